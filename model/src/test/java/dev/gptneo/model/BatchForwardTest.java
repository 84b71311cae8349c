package dev.gptneo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backend's batched forward pass against the fixtures and against the single-sequence
 * path (itself checked against the fixtures by {@link ForwardFixtureTest}): the fixture prompts,
 * of 4 to 49 tokens against local windows of 4 to 8, prefilled and decoded together, joining and
 * leaving at different steps, their blocks interleaved in one pool.
 */
class BatchForwardTest {

    /**
     * Batched logits against the same backend's single-sequence logits, to 1e-4 on every backend
     * and checkpoint: the scalar reference sums in double whatever the row count, the vector
     * backend's products are one kernel for any row count (PanelWeight, HalfPanelWeight), and
     * OpenCL's two matrix kernels sum in one order.
     */
    private static final double SAME_PATH = 1e-4;
    private static final int STEPS = 20;
    /** The step at which each fixture prompt joins the batch, and the step before which it leaves. */
    private static final int[] JOINS = {0, 0, 0, 2, 5, 7};
    private static final int[] LEAVES = {12, STEPS, STEPS, STEPS, STEPS, 16};

    private static final FixtureModels MODELS = new FixtureModels(null);

    static Stream<Arguments> backendsAndCheckpoints() {
        return Fixtures.backends().stream().flatMap(b -> Fixtures.CHECKPOINTS.stream().map(c -> Arguments.of(b, c)));
    }

    @AfterAll
    static void closeModels() {
        MODELS.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndCheckpoints")
    void sequencesJoiningAndLeavingDecodeAsTheyDoAlone(String backend, String checkpoint) throws Exception {
        GptNeoModel model = MODELS.get(backend, checkpoint);
        List<Fixtures.Case> cases = Fixtures.cases(checkpoint);
        int n = cases.size();
        float[][][] alone = new float[n][][];
        for (int i = 0; i < n; i++) {
            alone[i] = greedyAlone(model, cases.get(i).inputIds(), LEAVES[i] - JOINS[i]);
        }
        KvCache[] caches = new KvCache[n];
        int[][] generated = new int[n][];
        // The sequences take their blocks step by step from one pool, so each table is scattered through it.
        KvBlockPool pool = model.newKvPool(n * KvBlockPool.blocksFor(model.config(), model.config().maxPositions()));
        for (int i = 0; i < n; i++) {
            caches[i] = pool.newCache();
            generated[i] = new int[LEAVES[i] - JOINS[i]];
        }
        try {
            for (int step = 0; step < STEPS; step++) {
                // In fixture order, so that a joining prompt's rows sit between other sequences' decode rows.
                Batch.Builder batch = Batch.builder();
                List<Integer> members = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (step >= JOINS[i] && step < LEAVES[i]) {
                        int t = step - JOINS[i];
                        batch.add(caches[i], t == 0 ? cases.get(i).inputIds() : new int[] {generated[i][t - 1]},
                                Batch.Logits.LAST);
                        members.add(i);
                    }
                }
                Batch b = batch.build();
                float[][] logits = new float[b.logitRows()][model.config().vocabSize()];
                model.forward(b, logits);
                for (int m = 0; m < members.size(); m++) {
                    int i = members.get(m);
                    int t = step - JOINS[i];
                    String what = cases.get(i) + " step " + step + " of a batch of " + members.size();
                    assertWithin(alone[i][t], logits[m], SAME_PATH, what + " against the single-sequence path");
                    if (t == 0) {
                        assertWithin(cases.get(i).lastLogits(), logits[m], ForwardFixtureTest.TOLERANCE,
                                what + " against the reference");
                    }
                    generated[i][t] = Fixtures.argmax(logits[m]);
                }
            }
            for (int i = 0; i < n; i++) {
                assertEquals(cases.get(i).inputIds().length + generated[i].length - 1, caches[i].length());
            }
        } finally {
            Arrays.stream(caches).forEach(KvCache::close);
            pool.close();
        }
        assertEquals(0, pool.usedBlocks(), "every block is back in the pool");
        for (int i = 0; i < n; i++) {
            int[] expected = Arrays.copyOf(cases.get(i).greedyNewIds(), generated[i].length);
            assertArrayEquals(expected, generated[i], cases.get(i) + ": greedy ids");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndCheckpoints")
    void everyRowsLogitsAndAPrefillWithout(String backend, String checkpoint) throws Exception {
        GptNeoModel model = MODELS.get(backend, checkpoint);
        Fixtures.Case scored = Fixtures.cases(checkpoint).get(0);
        Fixtures.Case chunked = Fixtures.cases(checkpoint).get(2); // 45 tokens: windows crossed in the first chunk
        int[] ids = scored.inputIds();
        int split = 30;
        try (KvCache scoredCache = model.newCache(); KvCache chunkedCache = model.newCache()) {
            Batch first = Batch.builder()
                    .add(chunkedCache, Arrays.copyOf(chunked.inputIds(), split), Batch.Logits.NONE)
                    .add(scoredCache, ids, Batch.Logits.ALL)
                    .build();
            assertEquals(ids.length, first.logitRows());
            float[][] logits = new float[ids.length][model.config().vocabSize()];
            model.forward(first, logits);
            for (int r = 0; r < ids.length; r++) {
                float[] prefix = greedyAlone(model, Arrays.copyOf(ids, r + 1), 1)[0];
                assertWithin(prefix, logits[r], SAME_PATH, scored + " row " + r);
            }
            assertWithin(scored.lastLogits(), logits[ids.length - 1], ForwardFixtureTest.TOLERANCE, scored.toString());

            float[][] rest = new float[1][model.config().vocabSize()];
            model.forward(Batch.builder()
                    .add(chunkedCache, Arrays.copyOfRange(chunked.inputIds(), split, chunked.inputIds().length),
                            Batch.Logits.LAST)
                    .build(), rest);
            assertWithin(chunked.lastLogits(), rest[0], ForwardFixtureTest.TOLERANCE, chunked + " in two batches");
            assertEquals(chunked.inputIds().length, chunkedCache.length());
        }
    }

    /** The single-sequence path: {@code prompt}, then greedy decoding; the logits of each of {@code steps} steps. */
    private static float[][] greedyAlone(GptNeoModel model, int[] prompt, int steps) {
        float[][] logits = new float[steps][model.config().vocabSize()];
        try (KvCache cache = model.newCache()) {
            model.forward(cache, prompt, logits[0]);
            for (int t = 1; t < steps; t++) {
                model.forward(cache, new int[] {Fixtures.argmax(logits[t - 1])}, logits[t]);
            }
        }
        return logits;
    }

    private static void assertWithin(float[] expected, float[] actual, double tolerance, String what) {
        double worst = Fixtures.maxAbsDiff(expected, actual);
        assertTrue(worst <= tolerance, what + ": max |logit difference| = " + worst);
    }
}
