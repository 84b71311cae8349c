package dev.gptneo.model.engine;

/** The engine is shutting down: it admits nothing new and stops what still runs after the grace period. */
public final class EngineClosedException extends RuntimeException {

    public EngineClosedException() {
        super("server shutting down");
    }
}
