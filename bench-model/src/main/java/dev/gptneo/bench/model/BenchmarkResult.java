package dev.gptneo.bench.model;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.gptneo.kernels.DType;
import java.util.Locale;

/**
 * One benchmark run's figures.
 *
 * @param decodeBandwidth bytes/s: the median probe pass between the decode rounds
 * @param kvCacheBytesPerToken mean KV-cache bytes a timed decode step reads
 * @param batched decode of several sequences at once, or null when not measured
 * @param peak the machine's limits: best probe pass, FMA peak
 */
public record BenchmarkResult(String backend, DType dtype, int threads, int promptTokens, int newTokens,
                              double prefillTokensPerSecond, double decodeTokensPerSecond, double decodeBandwidth,
                              long weightBytesPerToken, double kvCacheBytesPerToken, double prefillFlops,
                              BatchedDecode batched, MachineLimits peak) {

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

    /**
     * A batched step's two floors, for a run with {@link #batched}: reading the weights once at
     * the bandwidth measured while decoding, and its products at the FMA peak (seconds). A step
     * near their sum does not overlap the two; near the larger one, it does.
     */
    public double batchWeightsFloorSeconds() {
        return weightBytesPerToken / decodeBandwidth;
    }

    /** See {@link #batchWeightsFloorSeconds}. */
    public double batchFmaFloorSeconds() {
        return batched.flopsPerStep() / peak.fmaFlops();
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
        if (batched != null) {
            o.addProperty("batch_sequences", batched.sequences());
            o.addProperty("batch_decode_tokens_per_s", batched.tokensPerSecond());
            o.addProperty("batch_step_ms", batched.stepSeconds() * 1e3);
            o.addProperty("batch_fma_ratio", batched.fmaRatio(peak.fmaFlops()));
            o.addProperty("batch_weights_floor_ms", batchWeightsFloorSeconds() * 1e3);
            o.addProperty("batch_fma_floor_ms", batchFmaFloorSeconds() * 1e3);
        }
        return new GsonBuilder().create().toJson(o);
    }

    public String toText() {
        String text = String.format(Locale.ROOT, """
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
        if (batched == null) {
            return text;
        }
        return text + String.format(Locale.ROOT, """

                batched decode: %d sequences, %.1f tokens/s together (%.2f× one sequence), %.1f ms a step,
                         %.1f GFLOP/s = %.2f of FMA peak; a step's floors: %.1f ms reading the weights
                         at the read bandwidth, %.1f ms of FMAs at the peak""",
                batched.sequences(), batched.tokensPerSecond(), batched.tokensPerSecond() / decodeTokensPerSecond,
                batched.stepSeconds() * 1e3, batched.fmaRatio(1e9), batched.fmaRatio(peak.fmaFlops()),
                batchWeightsFloorSeconds() * 1e3, batchFmaFloorSeconds() * 1e3);
    }
}
