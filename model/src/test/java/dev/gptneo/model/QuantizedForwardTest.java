package dev.gptneo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.DType;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backend's Q8_0 path against the scalar one on the fixtures' prompts. Backends quantize
 * with the same shared quantizer, so their logits must agree as closely as in F32.
 *
 * <p>The fixtures cannot judge Q8_0 against the float reference: their random weights make the
 * logits ill-conditioned (0.1 % noise on the embedding alone already drops the cosine similarity
 * of some prompts to 0.96), so that judgement is made on a model of realistic width in
 * {@code QuantizedAccuracyTest}.
 */
class QuantizedForwardTest {

    private static final FixtureModels MODELS = new FixtureModels(DType.Q8_0);

    static Stream<Arguments> backendsAndCases() {
        return FixtureModels.backendsAndCases(
                Fixtures.backends().stream().filter(backend -> !backend.equals("scalar")).toList());
    }

    @AfterAll
    static void closeModels() {
        MODELS.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndCases")
    void q8LogitsMatchTheScalarQ8Path(String backend, Fixtures.Case c) throws Exception {
        float[] expected = lastLogits(MODELS.get("scalar", c.checkpoint()), c.inputIds());
        GptNeoModel model = MODELS.get(backend, c.checkpoint());
        assertEquals(DType.Q8_0, model.weightFormat());
        float[] actual = lastLogits(model, c.inputIds());
        double worst = Fixtures.maxAbsDiff(actual, expected);
        assertTrue(worst <= ForwardFixtureTest.TOLERANCE, "max |logit - scalar Q8 logit| = " + worst);
    }

    static float[] lastLogits(GptNeoModel model, int[] ids) {
        float[] logits = new float[model.config().vocabSize()];
        try (KvCache cache = model.newCache()) {
            model.forward(cache, ids, logits);
        }
        return logits;
    }
}
