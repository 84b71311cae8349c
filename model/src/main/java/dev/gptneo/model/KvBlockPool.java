package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.Tensor;

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
    /** The free block ids, a stack. */
    private final int[] free;
    private int freeCount;
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
        this.free = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            free[i] = blocks - 1 - i; // taken from the top: block 0 first
        }
        this.freeCount = blocks;
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
        return free.length;
    }

    public int usedBlocks() {
        return used;
    }

    public int freeBlocks() {
        return free.length - used;
    }

    GptNeoConfig config() {
        return config;
    }

    /** A free block, now the caller's; the caller has checked that one is free. */
    int take() {
        if (freeCount == 0) {
            throw new IllegalStateException("no free KV block of the " + free.length + " (check freeBlocks first)");
        }
        used++;
        return free[--freeCount];
    }

    /** Gives back a block taken with {@link #take}. */
    void release(int block) {
        free[freeCount++] = block;
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
