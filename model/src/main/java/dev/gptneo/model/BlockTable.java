package dev.gptneo.model;

import java.util.Arrays;

/**
 * A sequence's blocks for the layers of one kind, as {@code BatchSequence} reads them: entry i
 * holds positions {@code 16i … 16i+15}, and, once a ring has all its entries, every position
 * {@code 16i + 16·ring·n} after them too. It grows with the sequence up to its longest
 * ({@code maxBlocks}), and its array is exactly as long as its entries, as that formula needs.
 */
final class BlockTable {

    private final int maxBlocks;
    private int[] ids = new int[0];

    /** @param maxBlocks every position's block for a global table, the ring's size for a local one; 0: unused */
    BlockTable(int maxBlocks) {
        this.maxBlocks = maxBlocks;
    }

    /** The blocks to add so that it holds what {@code positions} positions need. */
    int missing(int positions) {
        return Math.max(0, Math.min(Math.ceilDiv(positions, KvBlockPool.BLOCK_SIZE), maxBlocks) - ids.length);
    }

    /** Adds the {@link #missing} blocks from {@code pool}, which has them free. */
    void grow(int positions, KvBlockPool pool) {
        int missing = missing(positions);
        if (missing == 0) {
            return; // the usual case, every step of every sequence: nothing to copy
        }
        int had = ids.length;
        int[] grown = Arrays.copyOf(ids, had + missing);
        for (int i = had; i < grown.length; i++) {
            grown[i] = pool.take(i == 0 ? -1 : grown[i - 1]);
        }
        ids = grown;
    }

    /** Gives every block back to {@code pool}. */
    void clear(KvBlockPool pool) {
        for (int id : ids) {
            pool.release(id);
        }
        ids = new int[0];
    }

    /** The block ids, in position order; read only. */
    int[] ids() {
        return ids;
    }

    int size() {
        return ids.length;
    }
}
