package dev.gptneo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backend against the float64 reference: last-position logits within 1e-3 for every
 * vocabulary entry, and greedy continuations (one token at a time through the KV cache, prompts
 * longer than the local window included) identical to the reference ids.
 */
class ForwardFixtureTest {

    static final double TOLERANCE = 1e-3;

    private static final FixtureModels MODELS = new FixtureModels(null);

    static Stream<Arguments> backendsAndCases() {
        return FixtureModels.backendsAndCases(Fixtures.backends());
    }

    @AfterAll
    static void closeModels() {
        MODELS.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndCases")
    void lastLogitsMatchReference(String backend, Fixtures.Case c) throws Exception {
        GptNeoModel model = MODELS.get(backend, c.checkpoint());
        float[] logits = new float[model.config().vocabSize()];
        try (KvCache cache = model.newCache()) {
            model.forward(cache, c.inputIds(), logits);
        }
        assertEquals(c.lastLogits().length, logits.length);
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < logits.length; i++) {
            double d = Math.abs(logits[i] - c.lastLogits()[i]);
            if (d > worst) {
                worst = d;
                worstAt = i;
            }
        }
        assertTrue(worst <= TOLERANCE, "max |logit - reference| = " + worst + " at id " + worstAt);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndCases")
    void greedyContinuationMatchesReference(String backend, Fixtures.Case c) throws Exception {
        GptNeoModel model = MODELS.get(backend, c.checkpoint());
        float[] logits = new float[model.config().vocabSize()];
        int[] generated = new int[c.greedyNewIds().length];
        try (KvCache cache = model.newCache()) {
            model.forward(cache, c.inputIds(), logits);
            for (int t = 0; t < generated.length; t++) {
                generated[t] = Fixtures.argmax(logits);
                if (t + 1 < generated.length) {
                    model.forward(cache, new int[] {generated[t]}, logits);
                }
            }
        }
        assertArrayEquals(c.greedyNewIds(), generated, () -> "got " + Arrays.toString(generated));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndCases")
    void promptFedInChunksGivesTheSameLogits(String backend, Fixtures.Case c) throws Exception {
        GptNeoModel model = MODELS.get(backend, c.checkpoint());
        float[] logits = new float[model.config().vocabSize()];
        int[] ids = c.inputIds();
        try (KvCache cache = model.newCache()) {
            for (int from = 0; from < ids.length; from += 3) {
                model.forward(cache, Arrays.copyOfRange(ids, from, Math.min(ids.length, from + 3)), logits);
            }
        }
        double worst = Fixtures.maxAbsDiff(logits, c.lastLogits());
        assertTrue(worst <= TOLERANCE, "chunked prefill: max |logit - reference| = " + worst);
    }
}
