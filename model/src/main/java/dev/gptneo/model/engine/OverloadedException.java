package dev.gptneo.model.engine;

import java.time.Duration;

/** Every slot of the engine is taken and its queue is full; the caller should retry later. */
public final class OverloadedException extends RuntimeException {

    private final transient Duration retryAfter;

    public OverloadedException(int maxConcurrent, int maxQueued, Duration retryAfter) {
        super("the server is busy: " + maxConcurrent + " generations are running and " + maxQueued
                + " waiting; retry in " + retryAfter.toMillis() + " ms");
        this.retryAfter = retryAfter;
    }

    /** A suggested wait before retrying: about how long until a place in the queue frees up. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
