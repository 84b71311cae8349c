package dev.gptneo.model;

/**
 * A model folder that cannot be loaded. The message names the file and, where it applies, the
 * tensor or field, so a user can fix the input without reading a stack trace.
 */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }
}
