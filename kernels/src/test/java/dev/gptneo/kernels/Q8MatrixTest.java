package dev.gptneo.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Q8MatrixTest {

    @Test
    void everyValueIsWithinHalfAStepOfItsBlockScale() {
        HostTensor host = RandomTensors.host(new Random(3), DType.F32, 5, 77, 1f); // 77: a short last block
        Q8Matrix q = Q8Matrix.quantize(host);
        assertEquals(3, q.blocksPerRow());
        for (int r = 0; r < 5; r++) {
            for (int c = 0; c < 77; c++) {
                long i = (long) r * 77 + c;
                float scale = q.scales()[r * 3 + c / DType.Q8_BLOCK];
                assertTrue(Math.abs(q.get(i) - host.get(i)) <= scale / 2 + 1e-7f, "element " + i);
            }
        }
    }

    @Test
    void byteSizeCountsQuantsAndScales() {
        assertEquals(2 * 65 + 2 * 3 * 4, Q8Matrix.quantize(RandomTensors.host(DType.F32, 2, 65, new float[130])).byteSize());
    }

    @Test
    void blockMaximumMapsTo127AndZeroBlocksStayZero() {
        float[] values = new float[64];
        values[3] = -2.54f;
        values[5] = 0.5f;
        Q8Matrix q = Q8Matrix.quantize(RandomTensors.host(DType.F32, 1, 64, values));
        assertEquals(-127, q.quants()[3]);
        assertEquals(25, q.quants()[5]);
        assertEquals(0.02f, q.scales()[0], 1e-7f);
        assertEquals(0f, q.scales()[1]);
        assertEquals(0f, q.get(40));
    }
}
