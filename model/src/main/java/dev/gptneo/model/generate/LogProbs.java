package dev.gptneo.model.generate;

/** Log-probabilities from raw logits: log-softmax without materialising the distribution. */
final class LogProbs {

    private LogProbs() {
    }

    /** log Σ exp(x), stable. */
    static double logSumExp(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
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
