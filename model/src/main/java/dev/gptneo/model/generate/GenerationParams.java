package dev.gptneo.model.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How to generate: stopping rules, the sampling recipe and what to report. Defaults follow
 * Hugging Face's {@code GenerationConfig}: greedy unless {@code sample} is set; when sampling,
 * temperature 1.0, top_k 50, top_p 1.0.
 *
 * @param maxNewTokens the most tokens to generate (≥ 1)
 * @param minNewTokens end-of-text is suppressed until this many tokens exist (HF min_new_tokens)
 * @param ignoreEos keep going past end-of-text (it is then emitted as text)
 * @param stop strings that end generation; the stop string itself is not emitted
 * @param sample sample from the distribution instead of taking the most likely token
 * @param temperature divides logits before sampling (> 0; sampling only)
 * @param topK keep only the k most likely tokens (0 disables; sampling only)
 * @param topP keep the smallest set of tokens whose probability reaches p (0 < p ≤ 1; sampling only)
 * @param repetitionPenalty HF/CTRL penalty on tokens already in the context (≥ 1 discourages; 1 disables)
 * @param seed seeds the sampler: the same seed and parameters give the same output
 * @param topLogprobs how many most likely alternatives to report per token (0–20)
 */
public record GenerationParams(
        int maxNewTokens,
        int minNewTokens,
        boolean ignoreEos,
        List<String> stop,
        boolean sample,
        double temperature,
        int topK,
        double topP,
        double repetitionPenalty,
        long seed,
        int topLogprobs) {

    public static final int DEFAULT_MAX_NEW_TOKENS = 64;
    public static final double DEFAULT_TEMPERATURE = 1.0;
    public static final int DEFAULT_TOP_K = 50;
    public static final double DEFAULT_TOP_P = 1.0;
    public static final double DEFAULT_REPETITION_PENALTY = 1.0;
    public static final int MAX_TOP_LOGPROBS = 20;

    public GenerationParams {
        stop = List.copyOf(stop);
    }

    /** Fresh seeds stay below 2^53, so they survive a trip through JSON in any language (a double holds them exactly). */
    private static final long FRESH_SEED_BOUND = 1L << 53;

    /**
     * A seed for a run whose caller gave none, as transformers' {@code do_sample} gives a different
     * text each run; it is reported with the result, so the run can be repeated with it.
     */
    public static long freshSeed() {
        return ThreadLocalRandom.current().nextLong(FRESH_SEED_BOUND);
    }

    /** Greedy, 64 new tokens, stop at end-of-text, no logprob alternatives. */
    public static GenerationParams defaults() {
        return builder().build();
    }

    /** A builder starting from {@link #defaults()}: set what differs, by name. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Every rule this request breaks, as (field, description) pairs; empty when it is valid for
     * a model with {@code maxPositions} positions and a prompt of {@code promptTokens} tokens.
     */
    public List<Violation> violations(int promptTokens, int maxPositions) {
        List<Violation> v = new ArrayList<>();
        if (maxNewTokens < 1) {
            v.add(new Violation("max_new_tokens", "must be at least 1, got " + maxNewTokens));
        }
        if (minNewTokens < 0 || minNewTokens > maxNewTokens) {
            v.add(new Violation("min_new_tokens", "must be between 0 and max_new_tokens (" + maxNewTokens
                    + "), got " + minNewTokens));
        }
        if (promptTokens < 1) {
            v.add(new Violation("prompt", "is empty: at least one token is needed"));
        }
        if (promptTokens + (long) maxNewTokens > maxPositions) {
            v.add(new Violation("max_new_tokens", "prompt (" + promptTokens + " tokens) + max_new_tokens ("
                    + maxNewTokens + ") exceeds the model's context of " + maxPositions + " positions"));
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            v.add(new Violation("temperature", "must be a finite number > 0, got " + temperature));
        }
        if (topK < 0) {
            v.add(new Violation("top_k", "must be >= 0 (0 disables), got " + topK));
        }
        if (!(topP > 0 && topP <= 1)) {
            v.add(new Violation("top_p", "must be in (0, 1], got " + topP));
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            v.add(new Violation("repetition_penalty", "must be a finite number > 0, got " + repetitionPenalty));
        }
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            v.add(new Violation("top_logprobs", "must be between 0 and " + MAX_TOP_LOGPROBS + ", got " + topLogprobs));
        }
        for (int i = 0; i < stop.size(); i++) {
            if (stop.get(i).isEmpty()) {
                v.add(new Violation("stop[" + i + "]", "must not be empty"));
            }
        }
        return v;
    }

    /** One broken rule: the request field and what is wrong with it. */
    public record Violation(String field, String description) {
        @Override
        public String toString() {
            return field + " " + description;
        }
    }

    /**
     * Parameters by name, from the defaults; {@link #build} does not validate (requests are checked
     * against a model and prompt by {@link #violations}).
     */
    public static final class Builder {
        private int maxNewTokens = DEFAULT_MAX_NEW_TOKENS;
        private int minNewTokens;
        private boolean ignoreEos;
        private List<String> stop = List.of();
        private boolean sample;
        private double temperature = DEFAULT_TEMPERATURE;
        private int topK = DEFAULT_TOP_K;
        private double topP = DEFAULT_TOP_P;
        private double repetitionPenalty = DEFAULT_REPETITION_PENALTY;
        private long seed;
        private int topLogprobs;

        private Builder() {
        }

        public Builder maxNewTokens(int n) {
            this.maxNewTokens = n;
            return this;
        }

        public Builder minNewTokens(int n) {
            this.minNewTokens = n;
            return this;
        }

        public Builder ignoreEos(boolean ignore) {
            this.ignoreEos = ignore;
            return this;
        }

        public Builder stop(List<String> strings) {
            this.stop = strings;
            return this;
        }

        public Builder sample(boolean sampled) {
            this.sample = sampled;
            return this;
        }

        public Builder temperature(double t) {
            this.temperature = t;
            return this;
        }

        public Builder topK(int k) {
            this.topK = k;
            return this;
        }

        public Builder topP(double p) {
            this.topP = p;
            return this;
        }

        public Builder repetitionPenalty(double penalty) {
            this.repetitionPenalty = penalty;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Builder topLogprobs(int n) {
            this.topLogprobs = n;
            return this;
        }

        public GenerationParams build() {
            return new GenerationParams(maxNewTokens, minNewTokens, ignoreEos, stop, sample, temperature, topK, topP,
                    repetitionPenalty, seed, topLogprobs);
        }
    }
}
