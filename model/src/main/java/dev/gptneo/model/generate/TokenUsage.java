package dev.gptneo.model.generate;

/**
 * What a generation consumed.
 *
 * @param promptTokens tokens in the prompt
 * @param generatedTokens tokens generated
 * @param timeToFirstTokenNanos from the start of prompt processing to the first new token
 * @param totalNanos from the start of prompt processing to the end
 */
public record TokenUsage(int promptTokens, int generatedTokens, long timeToFirstTokenNanos, long totalNanos) {

    /** Generated tokens per second after the first (the steady decode rate); 0 if undefined. */
    public double decodeTokensPerSecond() {
        long decodeNanos = totalNanos - timeToFirstTokenNanos;
        return generatedTokens > 1 && decodeNanos > 0 ? (generatedTokens - 1) * 1e9 / decodeNanos : 0;
    }
}
