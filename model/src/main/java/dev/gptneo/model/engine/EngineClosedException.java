package dev.gptneo.model.engine;

/**
 * The engine takes no more requests: it is shutting down (it admits nothing new and stops what
 * still runs after the grace period), or it has failed for good.
 */
public final class EngineClosedException extends RuntimeException {

    public EngineClosedException() {
        super("server shutting down");
    }

    /** @param reason why, for the caller: the engine's failure */
    public EngineClosedException(String reason) {
        super(reason);
    }
}
