package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.Tensor;
import java.util.BitSet;

/**
 * The keys and values of many sequences in fixed-size blocks of {@link #BLOCK_SIZE} positions,
 * as vLLM's PagedAttention keeps them: a sequence holds the blocks its positions need
 * ({@link KvCache}), not a reservation for the longest context, and gives them back when it
 * ends. The pool is a fixed number of blocks, allocated once from the backend, so an engine can
 * bound the memory of all its sequences and see when it runs out.
 *
 * <p>Block b is rows {@code 16b … 16b+15} of every layer's key and value tensors (each
 * {@code blocks·16 × hidden}). A block belongs to one table of one sequence: that of its global
 * layers or the ring of its local layers, never both. So the i-th global layer and the i-th
 * local layer share one pair of tensors, each using the rows of its own blocks: with a pair per
 * layer, every block would leave its rows unused in the layers of the other kind, and a sequence
 * would cost twice as much. GPT-Neo alternates the two kinds, so the pairs are exact.
 *
 * <p>Blocks are taken and given back on the thread that drives the model; the counts may be
 * read from any thread.
 */
public final class KvBlockPool implements AutoCloseable {

    /** Positions per block. */
    public static final int BLOCK_SIZE = 16;

    private final GptNeoConfig config;
    private final Backend backend;
    /** Per pair of a global and a local layer. */
    private final Tensor[] keys;
    private final Tensor[] values;
    /** Per layer, its pair: its rank among the layers of its kind. */
    private final int[] pairOf;
    private final int blocks;
    /** The free block ids. */
    private final BitSet free;
    private volatile int used;

    KvBlockPool(GptNeoConfig config, Backend backend, int blocks) {
        if (blocks < 1) {
            throw new IllegalArgumentException("a KV block pool needs at least 1 block, got " + blocks);
        }
        this.config = config;
        this.backend = backend;
        this.pairOf = new int[config.layers()];
        int globalLayers = 0;
        int localLayers = 0;
        for (int l = 0; l < config.layers(); l++) {
            pairOf[l] = config.localLayers().get(l) ? localLayers++ : globalLayers++;
        }
        int pairs = Math.max(globalLayers, localLayers);
        int rows = Math.multiplyExact(blocks, BLOCK_SIZE);
        this.keys = new Tensor[pairs];
        this.values = new Tensor[pairs];
        for (int p = 0; p < pairs; p++) {
            keys[p] = backend.allocate(rows, config.hidden());
            values[p] = backend.allocate(rows, config.hidden());
        }
        this.blocks = blocks;
        this.free = new BitSet(blocks);
        free.set(0, blocks);
    }

    /** Bytes of one block: keys and values of {@link #BLOCK_SIZE} positions in every pair of layers, as F32. */
    public static long blockBytes(GptNeoConfig config) {
        long globalLayers = config.localLayers().stream().filter(local -> !local).count();
        long pairs = Math.max(globalLayers, config.layers() - globalLayers);
        return pairs * 2 * BLOCK_SIZE * config.hidden() * Float.BYTES;
    }

    /**
     * The blocks a sequence of {@code positions} positions holds: one per 16 positions for its
     * global layers, and for its local layers as many, up to the ring's
     * {@code ceil(window_size / 16)}.
     */
    public static int blocksFor(GptNeoConfig config, int positions) {
        return globalTableBlocks(config, positions) + localTableBlocks(config, positions);
    }

    /** Entries of a sequence's global table at {@code positions}: none without global layers. */
    static int globalTableBlocks(GptNeoConfig config, int positions) {
        return config.localLayers().contains(false) ? Math.ceilDiv(positions, BLOCK_SIZE) : 0;
    }

    /**
     * Entries of a sequence's local ring at {@code positions}: none without local layers. A ring
     * of {@code ceil(window_size / 16)} blocks is enough, with no block to spare: positions reuse
     * its slots one by one (position p in slot p mod 16·ring, as the ring of a single tensor
     * did), so it always holds the last {@code window_size} positions, all a row may see.
     */
    static int localTableBlocks(GptNeoConfig config, int positions) {
        return config.localLayers().contains(true)
                ? Math.min(Math.ceilDiv(positions, BLOCK_SIZE), Math.ceilDiv(config.windowSize(), BLOCK_SIZE)) : 0;
    }

    /** A cache with no blocks yet, which takes them from this pool as it grows. */
    public KvCache newCache() {
        return new KvCache(this, false);
    }

    public int blocks() {
        return blocks;
    }

    public int usedBlocks() {
        return used;
    }

    public int freeBlocks() {
        return blocks - used;
    }

    GptNeoConfig config() {
        return config;
    }

    /**
     * A free block, now the caller's, for a table whose last block is {@code after} (-1: none
     * yet); the caller has checked that one is free. The block after {@code after} when it is
     * free, else the middle of the longest run of free blocks, so that tables growing side by
     * side (a batch's sequences, a sequence's global and local tables) each keep room to grow
     * into: attention reads a table's blocks that follow one another as one stream, and took
     * 1.5 times as long over tables scattered a block at a time (docs/performance.md).
     */
    int take(int after) {
        if (used == blocks) {
            throw new IllegalStateException("no free KV block of the " + blocks + " (check freeBlocks first)");
        }
        int block = after >= 0 && after + 1 < blocks && free.get(after + 1) ? after + 1 : middleOfLongestFreeRun();
        free.clear(block);
        used++;
        return block;
    }

    private int middleOfLongestFreeRun() {
        int bestStart = 0;
        int bestLength = 0;
        for (int start = free.nextSetBit(0); start >= 0; ) {
            int end = free.nextClearBit(start);
            if (end - start > bestLength) {
                bestStart = start;
                bestLength = end - start;
            }
            start = end < blocks ? free.nextSetBit(end) : -1;
        }
        // A run from block 0 has no table before it that would grow into it: start there.
        return bestStart == 0 ? 0 : bestStart + bestLength / 2;
    }

    /** Gives back a block taken with {@link #take}. */
    void release(int block) {
        free.set(block);
        used--;
    }

    /** The key tensor of {@code layer}'s pair. */
    Tensor keys(int layer) {
        return keys[pairOf[layer]];
    }

    Tensor values(int layer) {
        return values[pairOf[layer]];
    }

    /** Frees the tensors; every cache on the pool must be closed first. */
    @Override
    public void close() {
        for (int p = 0; p < keys.length; p++) {
            backend.free(keys[p]);
            backend.free(values[p]);
        }
    }
}
