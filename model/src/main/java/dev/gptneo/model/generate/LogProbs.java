package dev.gptneo.model.generate;

/** The most likely tokens of raw logits, for their log-probabilities (normalized by {@code Backend.logSumExp}). */
final class LogProbs {

    private LogProbs() {
    }

    /** The ids of the {@code n} largest logits, largest first (n is small: a simple insertion). */
    static int[] topIds(float[] logits, int n) {
        int[] top = new int[Math.min(n, logits.length)];
        if (top.length == 0) {
            return top;
        }
        int size = 0;
        for (int id = 0; id < logits.length; id++) {
            if (size < top.length || logits[id] > logits[top[size - 1]]) {
                int at = Math.min(size, top.length - 1);
                while (at > 0 && logits[top[at - 1]] < logits[id]) {
                    top[at] = top[at - 1];
                    at--;
                }
                top[at] = id;
                size = Math.min(size + 1, top.length);
            }
        }
        return top;
    }
}
