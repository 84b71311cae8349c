package dev.gptneo.model;

/**
 * Keys and values of the positions one sequence has processed so far, as blocks of a
 * {@link KvBlockPool}: one table for its global layers, which keep every position (a block per
 * 16 positions, taken as the sequence grows), and one ring for its local layers, which keep
 * only the last {@code window_size} positions, since nothing older is ever attended to (at most
 * {@code ceil(window_size / 16)} blocks, however long the sequence). So a short sequence holds a
 * few blocks, not room for {@code max_position_embeddings} positions.
 *
 * <p>Blocks are taken by {@link #reserve}, ahead of the forward pass that fills them, and given
 * back by {@link #reset} and {@link #close}. On the thread that drives the model only.
 */
public final class KvCache implements AutoCloseable {

    private final KvBlockPool pool;
    /** Whether the pool is this cache's alone ({@link GptNeoModel#newCache}), freed with it. */
    private final boolean ownsPool;
    private final BlockTable global;
    private final BlockTable local;
    private int length;
    private boolean closed;

    KvCache(KvBlockPool pool, boolean ownsPool) {
        this.pool = pool;
        this.ownsPool = ownsPool;
        GptNeoConfig config = pool.config();
        this.global = new BlockTable(KvBlockPool.globalTableBlocks(config, config.maxPositions()));
        this.local = new BlockTable(KvBlockPool.localTableBlocks(config, config.maxPositions()));
    }

    /** Positions processed so far; the next token goes to this position. */
    public int length() {
        return length;
    }

    /** The blocks it holds. */
    public int blocks() {
        return global.size() + local.size();
    }

    /** The blocks it must still take to hold {@code positions} positions; 0 when it has them. */
    public int blocksNeeded(int positions) {
        return global.missing(positions) + local.missing(positions);
    }

    /**
     * Takes from the pool the blocks that {@code positions} positions need (the tokens processed
     * and those about to be), unless the pool has fewer free: then it takes none and returns false.
     *
     * @throws IllegalArgumentException if {@code positions} exceeds max_position_embeddings
     */
    public boolean reserve(int positions) {
        if (positions > pool.config().maxPositions()) {
            throw new IllegalArgumentException("a cache of " + positions + " positions exceeds max_position_embeddings "
                    + pool.config().maxPositions());
        }
        if (blocksNeeded(positions) > pool.freeBlocks()) {
            return false;
        }
        global.grow(positions, pool);
        local.grow(positions, pool);
        return true;
    }

    KvBlockPool pool() {
        return pool;
    }

    /** The block table of {@code layer}'s kind. */
    int[] table(int layer) {
        return pool.config().localLayers().get(layer) ? local.ids() : global.ids();
    }

    void advance(int tokens) {
        length += tokens;
    }

    /** Forgets all positions and gives its blocks back to the pool. */
    public void reset() {
        global.clear(pool);
        local.clear(pool);
        length = 0;
    }

    /** Gives its blocks back (and frees a pool of its own); closing again does nothing more. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        reset();
        if (ownsPool) {
            pool.close();
        }
    }
}
