package dev.gptneo.model.generate;

/** Why a generation ended. */
public enum StopReason {
    /** max_new_tokens reached. */
    LENGTH,
    /** The model produced end-of-text. */
    EOS,
    /** A stop sequence appeared in the text. */
    STOP_SEQUENCE,
    /** The caller cancelled it. */
    CANCELLED
}
