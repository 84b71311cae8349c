package dev.gptneo.model.engine;

/**
 * Requests in an engine at one moment.
 *
 * @param running holding one of the engine's {@code maxConcurrent} slots (including the paused)
 * @param queued waiting in the engine's queue for a slot
 * @param paused running, but skipped because their consumer is not ready to take more tokens
 */
public record EngineStats(int running, int queued, int paused) {

    /** Requests submitted and not yet finished: running or queued. */
    public int active() {
        return running + queued;
    }
}
