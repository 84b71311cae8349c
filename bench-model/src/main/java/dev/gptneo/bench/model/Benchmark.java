package dev.gptneo.bench.model;

import static dev.gptneo.bench.model.ModelWork.kvCacheBytesPerToken;
import static dev.gptneo.bench.model.ModelWork.prefillFlops;
import static dev.gptneo.bench.model.ModelWork.weightBytesPerToken;

import dev.gptneo.model.GptNeoConfig;
import dev.gptneo.model.GptNeoModel;
import dev.gptneo.model.KvCache;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Measures a model's prefill and decode speed and states them as fractions of what the machine
 * can do, measured in the same run: decode is memory bound (every weight, and the KV cache of
 * the positions attention sees, is read once per token), prefill is FMA bound (every weight is
 * used once per prompt token).
 *
 * <p>A VM's memory bandwidth moves with its neighbours from one second to the next, so decode
 * is compared with the bandwidth measured while it ran: the decode steps go in rounds, with one
 * pass of the bandwidth probe after each, and the ratio uses the median of those passes. The
 * peak (the best pass of measurements before and after the timed runs) is reported beside it.
 */
public final class Benchmark {

    /** Decode steps run before timing so that the JIT has compiled the kernels. */
    private static final int WARMUP_STEPS = 8;
    /** Timed prompts; the median counts. */
    private static final int PREFILL_RUNS = 3;
    /** Decode steps between two passes of the bandwidth probe. */
    private static final int DECODE_ROUND = 16;

    private Benchmark() {
    }

    /**
     * @param threads the backend's worker threads, also used to measure the machine's limits
     * @param limitsBuffer bytes of the bandwidth probe's buffer ({@link MachineLimits#DEFAULT_BUFFER})
     * @param batch when above 1, also decode that many sequences together ({@link BatchedDecode})
     * @param phase told what the run is doing as each step begins ("decode round 2 of 8"), for a
     *     progress line: a run takes tens of seconds
     */
    public static BenchmarkResult run(GptNeoModel model, int threads, int promptTokens, int newTokens, long limitsBuffer,
                                      int batch, Consumer<String> phase) {
        GptNeoConfig config = model.config();
        if (promptTokens < 1 || newTokens < 1) {
            throw new IllegalArgumentException("prompt and new tokens must be at least 1, got "
                    + promptTokens + " and " + newTokens);
        }
        if (promptTokens + newTokens > config.maxPositions()) {
            throw new IllegalArgumentException(promptTokens + " prompt + " + newTokens + " new tokens exceed the "
                    + config.maxPositions() + " positions of the model");
        }
        MachineLimits.requireVectors();
        int[] prompt = new Random(42).ints(promptTokens, 0, config.vocabSize()).toArray();
        float[] logits = new float[config.vocabSize()];
        try (KvCache cache = model.newCache();
             ProbeThreads probeThreads = new ProbeThreads(threads);
             BandwidthProbe probe = new BandwidthProbe(probeThreads, limitsBuffer)) {
            // Warm-up: the same shapes as the timed runs, so C2 compiles every kernel first.
            phase.accept("warming up");
            model.forward(cache, prompt, logits);
            decode(model, cache, prompt, logits, 0, Math.min(WARMUP_STEPS, newTokens));
            // The limits are measured before and after the timed runs, and the better of each kept:
            // another process that takes a core for a second lowers a measurement, never raises it.
            // The first measurement also warms the probe up for the passes between decode rounds.
            phase.accept("measuring the machine's bandwidth and FMA peak");
            MachineLimits before = MachineLimits.measure(probeThreads, probe);

            double[] prefillSeconds = new double[PREFILL_RUNS];
            for (int run = 0; run < PREFILL_RUNS; run++) {
                phase.accept("prefill " + (run + 1) + " of " + PREFILL_RUNS);
                cache.reset();
                long start = System.nanoTime();
                model.forward(cache, prompt, logits);
                prefillSeconds[run] = (System.nanoTime() - start) * 1e-9;
            }
            double decodeSeconds = 0;
            double[] bandwidth = new double[Math.ceilDiv(newTokens, DECODE_ROUND)];
            for (int round = 0; round < bandwidth.length; round++) {
                int from = round * DECODE_ROUND;
                phase.accept("decode round " + (round + 1) + " of " + bandwidth.length);
                long start = System.nanoTime();
                decode(model, cache, prompt, logits, from, Math.min(DECODE_ROUND, newTokens - from));
                decodeSeconds += (System.nanoTime() - start) * 1e-9;
                bandwidth[round] = probe.pass();
            }

            if (batch > 1) {
                phase.accept("decoding " + batch + " sequences together");
            }
            BatchedDecode batched = batch > 1 ? BatchedDecode.run(model, batch, promptTokens, newTokens) : null;
            phase.accept("measuring the machine's limits again");
            MachineLimits peak = before.orBetter(MachineLimits.measure(probeThreads, probe));
            return new BenchmarkResult(model.backend().name(), model.weightFormat(), threads, promptTokens, newTokens,
                    promptTokens / Stats.median(prefillSeconds), newTokens / decodeSeconds, Stats.median(bandwidth),
                    weightBytesPerToken(config, model.weightFormat()),
                    kvCacheBytesPerToken(config, promptTokens, newTokens), prefillFlops(config, promptTokens), batched,
                    peak);
        }
    }

    /**
     * {@code steps} decode steps after what the cache holds, fed the prompt's tokens again (from
     * its {@code from}-th): a step costs the same whatever the token, and no sampling time is
     * mixed into the figure.
     */
    private static void decode(GptNeoModel model, KvCache cache, int[] prompt, float[] logits, int from, int steps) {
        int[] next = new int[1];
        for (int t = from; t < from + steps; t++) {
            next[0] = prompt[t % prompt.length];
            model.forward(cache, next, logits);
        }
    }
}
