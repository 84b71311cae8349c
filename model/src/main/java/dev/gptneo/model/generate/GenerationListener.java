package dev.gptneo.model.generate;

/**
 * Receives a generation's progress, on the thread that runs it. Text deltas concatenate to the
 * final text: they never split a UTF-8 character, and text that might still turn out to be part
 * of a stop sequence is held back until it cannot.
 */
public interface GenerationListener {

    /** A new token, and the text that became final with it (may be empty). */
    void onToken(GeneratedToken token, String textDelta);

    /** The end: any last text, why it ended, and the usage. Called exactly once. */
    void onFinish(String textDelta, StopReason reason, TokenUsage usage);
}
