package dev.gptneo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.scalar.ScalarBackend;
import org.junit.jupiter.api.Test;

/** synthetic:tiny is a real model of the GPT-Neo shape: loadable, deterministic, with the GPT-2 tokenizer. */
class SyntheticModelTest {

    private static float[] logits(String spec, DType dtype, int[] ids) throws Exception {
        try (LoadedModel m = LoadedModel.open(spec, new ScalarBackend(), dtype); KvCache cache = m.model().newCache()) {
            assertEquals(50257, m.tokenizer().vocabSize());
            float[] logits = new float[m.model().config().vocabSize()];
            m.model().forward(cache, ids, logits);
            return logits;
        }
    }

    @Test
    void sameSeedSameWeights() throws Exception {
        int[] ids = {464, 2068, 7586, 21831};
        float[] a = logits("synthetic:tiny", null, ids);
        assertArrayEquals(a, logits("synthetic:tiny", null, ids));
        for (float v : a) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void bf16WeightsAreCloseToF32() throws Exception {
        int[] ids = {464, 2068, 7586, 21831};
        float[] f32 = logits("synthetic:tiny", null, ids);
        float[] bf16 = logits("synthetic:tiny", DType.BF16, ids);
        double dot = 0, n1 = 0, n2 = 0;
        for (int i = 0; i < f32.length; i++) {
            dot += f32[i] * bf16[i];
            n1 += f32[i] * f32[i];
            n2 += bf16[i] * bf16[i];
        }
        assertTrue(dot / Math.sqrt(n1 * n2) > 0.99, "cosine " + dot / Math.sqrt(n1 * n2));
    }

    @Test
    void unknownSpecsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> logits("synthetic:7b", null, new int[] {1}));
        assertTrue(e.getMessage().contains("synthetic:7b"));
        var missing = assertThrows(CheckpointException.class, () -> logits("/no/such/folder", null, new int[] {1}));
        assertTrue(missing.getMessage().contains("/no/such/folder"));
    }
}
