package dev.gptneo.model.engine;

import java.time.Duration;

/** The engine already runs as many requests as it may; the caller should retry later. */
public final class OverloadedException extends RuntimeException {

    private final transient Duration retryAfter;

    public OverloadedException(int maxConcurrent, Duration retryAfter) {
        super("the server is busy: " + maxConcurrent + " generations are already running; retry in "
                + retryAfter.toMillis() + " ms");
        this.retryAfter = retryAfter;
    }

    /** A suggested wait before retrying: about how long until a slot frees up. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
