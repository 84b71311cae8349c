package dev.gptneo.model.hub;

/**
 * A model that cannot be had from the Hub or its cache. The message is one line for the user:
 * the model, what was tried, and what to do (set {@code HF_TOKEN}, check the name, free disk
 * space, run again to resume, or {@code HF_HUB_OFFLINE=1} to stay on the cache).
 */
public final class HubException extends RuntimeException {
    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
