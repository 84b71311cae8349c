package dev.gptneo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.Backends;
import dev.gptneo.kernels.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Q8_0 against F32 on a synthetic model of realistic width (GPT-Neo's initialiser scale, hidden
 * 256, 4 layers local and global), on the fixtures' prompts: logits keep a cosine similarity of
 * at least 0.999 and the same top-1 token.
 */
class QuantizedAccuracyTest {

    private static final GptNeoConfig CONFIG = new GptNeoConfig(50257, 256, 4, 1024, 128, 16, 1e-5f, 50256,
            List.of(false, true, false, true));

    @Test
    void q8LogitsStayCloseToF32() {
        List<Fixtures.Case> cases = Fixtures.cases("tiny-gpt-neo");
        Backend backend = Backends.create(null, BackendOptions.DEFAULTS);
        try (GptNeoModel f32 = GptNeoModel.fromSource(CONFIG, new SyntheticWeights(7, DType.F32), backend, null);
             GptNeoModel q8 = GptNeoModel.fromSource(CONFIG, new SyntheticWeights(7, DType.F32), backend, DType.Q8_0)) {
            for (Fixtures.Case c : cases) {
                float[] expected = QuantizedForwardTest.lastLogits(f32, c.inputIds());
                float[] actual = QuantizedForwardTest.lastLogits(q8, c.inputIds());
                double cosine = cosine(expected, actual);
                assertTrue(cosine >= 0.999, c + ": cosine similarity " + cosine);
                assertEquals(Fixtures.argmax(expected), Fixtures.argmax(actual), c + ": top-1 token");
            }
        } finally {
            backend.close();
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
