package dev.gptneo.bench.model;

import dev.gptneo.model.Batch;
import dev.gptneo.model.GptNeoConfig;
import dev.gptneo.model.GptNeoModel;
import dev.gptneo.model.KvCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Decode of several sequences at once, as the batching engine runs it: every step is one
 * forward pass with one row per sequence, each row at its own sequence's next position and
 * wanting logits (llama.cpp's {@code llama-batched-bench} measures the same). At one row a step
 * is memory bound; with more rows each weight read serves them all, until the step becomes FMA
 * bound, so the figure is compared with the FMA peak.
 *
 * @param sequences rows per step
 * @param tokensPerSecond tokens of all sequences together per second
 * @param stepSeconds the median step
 * @param flopsPerStep the products' FLOPs of a step: two per weight (block matrices and head) per row
 */
public record BatchedDecode(int sequences, double tokensPerSecond, double stepSeconds, double flopsPerStep) {

    private static final int WARMUP_STEPS = 4;

    /** FLOP/s of the products over {@code fmaFlops}. */
    public double fmaRatio(double fmaFlops) {
        return flopsPerStep / stepSeconds / fmaFlops;
    }

    /**
     * Prefills {@code sequences} caches with {@code promptTokens} random tokens each, then times
     * {@code steps} batched decode steps after them.
     */
    static BatchedDecode run(GptNeoModel model, int sequences, int promptTokens, int steps) {
        GptNeoConfig config = model.config();
        Random random = new Random(43);
        List<KvCache> caches = new ArrayList<>(sequences);
        try {
            float[] prefillLogits = new float[config.vocabSize()];
            for (int s = 0; s < sequences; s++) {
                caches.add(model.newCache());
                model.forward(caches.get(s), random.ints(promptTokens, 0, config.vocabSize()).toArray(), prefillLogits);
            }
            float[][] logits = new float[sequences][config.vocabSize()];
            for (int t = 0; t < WARMUP_STEPS; t++) {
                model.forward(step(caches, random, config), logits);
            }
            double[] seconds = new double[steps];
            for (int t = 0; t < steps; t++) {
                Batch batch = step(caches, random, config);
                long start = System.nanoTime();
                model.forward(batch, logits);
                seconds[t] = (System.nanoTime() - start) * 1e-9;
            }
            double total = 0;
            for (double s : seconds) {
                total += s;
            }
            double flops = 2.0 * (ModelWork.blockWeights(config) + (double) config.vocabSize() * config.hidden()) * sequences;
            return new BatchedDecode(sequences, sequences * steps / total, Stats.median(seconds), flops);
        } finally {
            caches.forEach(KvCache::close);
        }
    }

    /** One decode row per sequence, each a random token at the sequence's next position. */
    private static Batch step(List<KvCache> caches, Random random, GptNeoConfig config) {
        Batch.Builder batch = Batch.builder();
        for (KvCache cache : caches) {
            batch.add(cache, new int[] {random.nextInt(config.vocabSize())}, Batch.Logits.LAST);
        }
        return batch.build();
    }
}
