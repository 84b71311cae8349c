package dev.gptneo.model.engine;

import java.time.Duration;

/**
 * A request's consumer was not ready for a token for the engine's whole stall limit (a reader
 * that stopped reading), so the engine ended it to give its slot and KV blocks to others.
 */
public final class ConsumerStalledException extends RuntimeException {

    private final transient Duration limit;

    public ConsumerStalledException(Duration limit) {
        super("the reader took no token for " + (limit.toMillis() % 1000 == 0 ? limit.toSeconds() + " s"
                : limit.toMillis() + " ms") + "; the generation was stopped to free its slot");
        this.limit = limit;
    }

    /** The stall limit that was reached. */
    public Duration limit() {
        return limit;
    }
}
