package dev.gptneo.bench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptneo.kernels.DType;
import dev.gptneo.model.GptNeoConfig;
import org.junit.jupiter.api.Test;

/** The bytes a decode step reads, against figures worked out by hand from GPT-Neo 125M's shape. */
class DecodeBytesTest {
    private static final GptNeoConfig GPT_NEO_125M = GptNeoConfig.gptNeo125m();

    @Test
    void weightsAreTheBlockMatricesAndTheTiedHead() {
        // 125,198,592 published parameters, less wpe (2048 × 768 = 1,572,864), the biases and the
        // layer norms (12 × 7,680 + 1,536 = 93,696): 123,532,032 weights read per token.
        assertEquals(123_532_032L * 4, ModelWork.weightBytesPerToken(GPT_NEO_125M, DType.F32));
        assertEquals(123_532_032L * 2, ModelWork.weightBytesPerToken(GPT_NEO_125M, DType.BF16));
    }

    @Test
    void kvCacheIsEveryPositionEachLayerSees() {
        // One position, 12 layers, a key and a value of 768 floats each.
        assertEquals(12 * 2 * 768 * 4, ModelWork.kvCacheBytesPerToken(GPT_NEO_125M, 0, 1));
        // Positions 512…639: the 6 global layers see p + 1 positions (513…640, 73,792 over the 128
        // steps), the 6 local ones their window of 256; (6 × 73,792 + 6 × 256 × 128) / 128 = 4,995
        // positions per step, 6,144 bytes each.
        assertEquals(4_995 * 6_144, ModelWork.kvCacheBytesPerToken(GPT_NEO_125M, 512, 128));
    }
}
