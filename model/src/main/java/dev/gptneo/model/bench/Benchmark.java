package dev.gptneo.model.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.vector.BandwidthProbe;
import dev.gptneo.kernels.vector.MachineLimits;
import dev.gptneo.kernels.vector.WorkerPool;
import dev.gptneo.model.GptNeoConfig;
import dev.gptneo.model.GptNeoModel;
import dev.gptneo.model.KvCache;
import java.util.Locale;
import java.util.Random;

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
     */
    public static Result run(GptNeoModel model, int threads, int promptTokens, int newTokens, long limitsBuffer) {
        GptNeoConfig config = model.config();
        if (promptTokens < 1 || newTokens < 1) {
            throw new IllegalArgumentException("prompt and new tokens must be at least 1, got "
                    + promptTokens + " and " + newTokens);
        }
        if (promptTokens + newTokens > config.maxPositions()) {
            throw new IllegalArgumentException(promptTokens + " prompt + " + newTokens + " new tokens exceed the "
                    + config.maxPositions() + " positions of the model");
        }
        int[] prompt = new Random(42).ints(promptTokens, 0, config.vocabSize()).toArray();
        float[] logits = new float[config.vocabSize()];
        try (KvCache cache = model.newCache();
             WorkerPool probeThreads = new WorkerPool(threads);
             BandwidthProbe probe = new BandwidthProbe(probeThreads, limitsBuffer)) {
            // Warm-up: the same shapes as the timed runs, so C2 compiles every kernel first.
            model.forward(cache, prompt, logits);
            decode(model, cache, prompt, logits, 0, Math.min(WARMUP_STEPS, newTokens));
            // The limits are measured before and after the timed runs, and the better of each kept:
            // another process that takes a core for a second lowers a measurement, never raises it.
            // The first measurement also warms the probe up for the passes between decode rounds.
            MachineLimits before = MachineLimits.measure(probeThreads, probe);

            double[] prefillSeconds = new double[PREFILL_RUNS];
            for (int run = 0; run < PREFILL_RUNS; run++) {
                cache.reset();
                long start = System.nanoTime();
                model.forward(cache, prompt, logits);
                prefillSeconds[run] = (System.nanoTime() - start) * 1e-9;
            }
            double decodeSeconds = 0;
            double[] bandwidth = new double[Math.ceilDiv(newTokens, DECODE_ROUND)];
            for (int round = 0; round < bandwidth.length; round++) {
                int from = round * DECODE_ROUND;
                long start = System.nanoTime();
                decode(model, cache, prompt, logits, from, Math.min(DECODE_ROUND, newTokens - from));
                decodeSeconds += (System.nanoTime() - start) * 1e-9;
                bandwidth[round] = probe.pass();
            }

            MachineLimits peak = before.orBetter(MachineLimits.measure(probeThreads, probe));
            return new Result(model.backend().name(), model.weightFormat(), threads, promptTokens, newTokens,
                    promptTokens / Stats.median(prefillSeconds), newTokens / decodeSeconds, Stats.median(bandwidth),
                    weightBytesPerToken(config, model.weightFormat()),
                    kvCacheBytesPerToken(config, promptTokens, newTokens), prefillFlops(config, promptTokens), peak);
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


    /** Weights of the matrices of all blocks (q, k, v, out, fc, proj). */
    static long blockWeights(GptNeoConfig c) {
        long h = c.hidden();
        return c.layers() * (4 * h * h + 2 * h * c.intermediate());
    }

    /** Bytes a decode step reads: every block matrix and the head (tied to wte), as stored. */
    public static long weightBytesPerToken(GptNeoConfig c, DType format) {
        long h = c.hidden();
        long block = 4 * format.storageBytes(h, h) + format.storageBytes(c.intermediate(), h)
                + format.storageBytes(h, c.intermediate());
        return c.layers() * block + format.storageBytes(c.vocabSize(), h);
    }

    /**
     * FLOPs of a prefill of {@code tokens} tokens from an empty cache: two per block weight per
     * token, the head for the last position only, and attention (q·k and the weighted sum of v,
     * over the positions each row sees).
     */
    public static double prefillFlops(GptNeoConfig c, int tokens) {
        double flops = 2.0 * blockWeights(c) * tokens + 2.0 * c.vocabSize() * c.hidden();
        for (int i = 0; i < tokens; i++) {
            flops += 4.0 * c.hidden() * positionsSeen(c, i);
        }
        return flops;
    }

    /**
     * Mean bytes of KV cache a decode step reads, over the steps at positions {@code past …
     * past+steps-1}: the keys and values (floats) of every position each layer's attention sees.
     * Decode must read them as it reads the weights, so they count towards its bytes per token.
     */
    public static double kvCacheBytesPerToken(GptNeoConfig c, int past, int steps) {
        double bytes = 0;
        for (int p = past; p < past + steps; p++) {
            bytes += 2.0 * c.hidden() * Float.BYTES * positionsSeen(c, p);
        }
        return bytes / steps;
    }

    /** Positions the query at {@code position} attends to, summed over the layers (local ones see a window). */
    private static long positionsSeen(GptNeoConfig c, int position) {
        long seen = 0;
        for (int layer = 0; layer < c.layers(); layer++) {
            int window = c.window(layer);
            seen += window > 0 ? Math.min(position + 1, window) : position + 1;
        }
        return seen;
    }

    /**
     * One benchmark run's figures.
     *
     * @param decodeBandwidth bytes/s: the median probe pass between the decode rounds
     * @param kvCacheBytesPerToken mean KV-cache bytes a timed decode step reads
     * @param peak the machine's limits: best probe pass, FMA peak
     */
    public record Result(String backend, DType dtype, int threads, int promptTokens, int newTokens,
                         double prefillTokensPerSecond, double decodeTokensPerSecond, double decodeBandwidth,
                         long weightBytesPerToken, double kvCacheBytesPerToken, double prefillFlops,
                         MachineLimits peak) {

        /** Bytes a decode step must read: the weights and the KV cache its attention sees. */
        public double decodeBytesPerToken() {
            return weightBytesPerToken + kvCacheBytesPerToken;
        }

        /** Decode bytes/s over the read bandwidth measured while decoding. */
        public double decodeBandwidthRatio() {
            return decodeTokensPerSecond * decodeBytesPerToken() / decodeBandwidth;
        }

        /** As {@link #decodeBandwidthRatio} counting the weights only, as at a short context. */
        public double decodeWeightBandwidthRatio() {
            return decodeTokensPerSecond * weightBytesPerToken / decodeBandwidth;
        }

        /** Decode bytes/s over the best read bandwidth the probe saw. */
        public double decodePeakBandwidthRatio() {
            return decodeTokensPerSecond * decodeBytesPerToken() / peak.bandwidth();
        }

        /** Prefill FLOP/s over the machine's FMA peak. */
        public double prefillFmaRatio() {
            return prefillFlops / (promptTokens / prefillTokensPerSecond) / peak.fmaFlops();
        }

        public String toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("backend", backend);
            o.addProperty("dtype", dtype.userName());
            o.addProperty("threads", threads);
            o.addProperty("prompt_tokens", promptTokens);
            o.addProperty("new_tokens", newTokens);
            o.addProperty("prefill_tokens_per_s", prefillTokensPerSecond);
            o.addProperty("decode_tokens_per_s", decodeTokensPerSecond);
            o.addProperty("weight_bytes_per_token", weightBytesPerToken);
            o.addProperty("kv_cache_bytes_per_token", kvCacheBytesPerToken);
            o.addProperty("decode_bytes_per_token", decodeBytesPerToken());
            o.addProperty("prefill_gflop", prefillFlops / 1e9);
            o.addProperty("bandwidth_gb_s", decodeBandwidth / 1e9);
            o.addProperty("bandwidth_peak_gb_s", peak.bandwidthGBs());
            o.addProperty("fma_gflops", peak.fmaGflops());
            o.addProperty("decode_bandwidth_ratio", decodeBandwidthRatio());
            o.addProperty("decode_weight_bandwidth_ratio", decodeWeightBandwidthRatio());
            o.addProperty("decode_peak_bandwidth_ratio", decodePeakBandwidthRatio());
            o.addProperty("prefill_fma_ratio", prefillFmaRatio());
            return new GsonBuilder().create().toJson(o);
        }

        public String toText() {
            return String.format(Locale.ROOT, """
                    backend %s, dtype %s, %d threads
                    prefill: %d tokens, %.1f tokens/s, %.1f GFLOP/s = %.2f of FMA peak (%.1f GFLOP/s)
                    decode:  %d tokens, %.2f tokens/s, %.2f GB/s (%.1f MB/token: %.1f MB weights + %.1f MB KV cache)
                             = %.2f of the read bandwidth while decoding (%.2f GB/s; weights alone %.2f), \
                    %.2f of the peak (%.2f GB/s)""",
                    backend, dtype.userName(), threads,
                    promptTokens, prefillTokensPerSecond, prefillFmaRatio() * peak.fmaGflops(), prefillFmaRatio(),
                    peak.fmaGflops(),
                    newTokens, decodeTokensPerSecond, decodeTokensPerSecond * decodeBytesPerToken() / 1e9,
                    decodeBytesPerToken() / 1e6, weightBytesPerToken / 1e6, kvCacheBytesPerToken / 1e6,
                    decodeBandwidthRatio(), decodeBandwidth / 1e9, decodeWeightBandwidthRatio(),
                    decodePeakBandwidthRatio(), peak.bandwidthGBs());
        }
    }
}
