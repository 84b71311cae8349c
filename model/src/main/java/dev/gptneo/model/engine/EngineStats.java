package dev.gptneo.model.engine;

/**
 * Requests in an engine, and its KV memory, at one moment.
 *
 * @param running holding one of the engine's {@code maxConcurrent} slots (including the paused)
 * @param queued waiting in the engine's queue for a slot (including the preempted)
 * @param paused running, but skipped because their consumer is not ready to take more tokens
 * @param kvBlocksUsed blocks of the engine's KV pool that sequences hold
 * @param kvBlocksFree blocks of the pool free for new positions
 * @param preemptions running sequences sent back to the queue so far, their blocks taken away
 *     because the pool ran dry
 */
public record EngineStats(int running, int queued, int paused, int kvBlocksUsed, int kvBlocksFree, long preemptions) {

    /** Requests submitted and not yet finished: running or queued. */
    public int active() {
        return running + queued;
    }
}
