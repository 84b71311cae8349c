package dev.gptneo.model.generate;

import dev.gptneo.kernels.Backend;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits, in Hugging Face's order: repetition penalty, end-of-text
 * suppression (min_new_tokens), then either argmax (greedy) or temperature → top-k → top-p →
 * a seeded draw. Works in place on the logits it is given ({@link #changes} says when it
 * writes to them); owns its scratch buffers, so one sampler serves one generation without
 * allocating per token. The greedy pick is the backend's {@link Backend#argmax}, a vector loop
 * where the backend has one: the engine picks every sequence's token while the step waits.
 */
final class Sampler {

    private final GenerationParams params;
    private final Backend backend;
    private final SplittableRandom random;
    private final int[] order;
    private final double[] probs;
    private final boolean[] seen;

    Sampler(GenerationParams params, int vocabSize, Backend backend) {
        this.params = params;
        this.backend = backend;
        this.random = new SplittableRandom(params.seed());
        this.order = new int[vocabSize];
        this.probs = new double[vocabSize];
        this.seen = new boolean[vocabSize];
    }

    /**
     * @param logits the model's scores; modified in place
     * @param context every token id so far (prompt and generated), for the repetition penalty
     * @param contextLength how many of {@code context} are valid
     * @param suppressed a token id that must not be chosen (end-of-text before min_new_tokens), or -1
     */
    int next(float[] logits, int[] context, int contextLength, int suppressed) {
        if (params.repetitionPenalty() != 1.0) {
            penalize(logits, context, contextLength);
        }
        if (suppressed >= 0) {
            logits[suppressed] = Float.NEGATIVE_INFINITY;
        }
        return params.sample() ? draw(logits) : backend.argmax(logits);
    }

    /** Whether {@link #next} with this {@code suppressed} writes to the logits it is given. */
    boolean changes(int suppressed) {
        return params.repetitionPenalty() != 1.0 || suppressed >= 0;
    }

    /** HF's RepetitionPenaltyLogitsProcessor: each distinct seen token once, sign-aware. */
    private void penalize(float[] logits, int[] context, int contextLength) {
        float penalty = (float) params.repetitionPenalty();
        for (int i = 0; i < contextLength; i++) {
            int id = context[i];
            if (!seen[id]) {
                seen[id] = true;
                logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
            }
        }
        for (int i = 0; i < contextLength; i++) {
            seen[context[i]] = false;
        }
    }

    private int draw(float[] logits) {
        int n = candidates(logits);
        double max = logits[order[0]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            probs[i] = Math.exp((logits[order[i]] - max) / params.temperature());
            sum += probs[i];
        }
        // top-p: the smallest prefix (most likely first) whose mass reaches p; at least one token.
        int kept = n;
        if (params.topP() < 1.0) {
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += probs[i] / sum;
                if (cumulative >= params.topP()) {
                    kept = i + 1;
                    break;
                }
            }
        }
        double keptMass = 0;
        for (int i = 0; i < kept; i++) {
            keptMass += probs[i];
        }
        double target = random.nextDouble() * keptMass;
        for (int i = 0; i < kept - 1; i++) {
            target -= probs[i];
            if (target < 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }

    /**
     * Fills {@code order} with the candidate ids, most likely first: the top_k (by a bounded
     * selection, so the common k=50 never sorts the whole vocabulary), or all finite ones.
     */
    private int candidates(float[] logits) {
        int k = params.topK() > 0 ? Math.min(params.topK(), logits.length) : logits.length;
        int n = 0;
        for (int id = 0; id < logits.length; id++) {
            if (logits[id] == Float.NEGATIVE_INFINITY) {
                continue;
            }
            if (n < k) {
                order[n++] = id;
                siftUp(logits, n - 1);
            } else if (logits[id] > logits[order[0]]) {
                order[0] = id;
                siftDown(logits, 0, n);
            }
        }
        // Heap-sort the min-heap in place: repeatedly move the smallest to the end.
        for (int end = n - 1; end > 0; end--) {
            swap(0, end);
            siftDown(logits, 0, end);
        }
        return n;
    }

    private void siftUp(float[] logits, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!less(logits, order[i], order[parent])) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(float[] logits, int i, int size) {
        while (true) {
            int smallest = i;
            int left = 2 * i + 1;
            int right = left + 1;
            if (left < size && less(logits, order[left], order[smallest])) {
                smallest = left;
            }
            if (right < size && less(logits, order[right], order[smallest])) {
                smallest = right;
            }
            if (smallest == i) {
                return;
            }
            swap(i, smallest);
            i = smallest;
        }
    }

    /** Heap order: lower logit first; ties broken by higher id so lower ids win overall (like argmax). */
    private static boolean less(float[] logits, int a, int b) {
        return logits[a] < logits[b] || (logits[a] == logits[b] && a > b);
    }

    private void swap(int i, int j) {
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}
