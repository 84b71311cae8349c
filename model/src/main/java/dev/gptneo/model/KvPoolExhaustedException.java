package dev.gptneo.model;

/**
 * A forward pass needs more KV blocks than its pool has free. Nothing was computed; the caller
 * may free blocks (end or preempt a sequence) and run it again.
 */
public final class KvPoolExhaustedException extends RuntimeException {

    public KvPoolExhaustedException(int needed, KvBlockPool pool) {
        super("the KV cache is full: a sequence needs " + needed + " more blocks of " + KvBlockPool.BLOCK_SIZE
                + " positions, " + pool.freeBlocks() + " of the " + pool.blocks() + " are free");
    }
}
