package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The vector backend's own exp, gelu_new and lane sums against {@code Math} in double precision. */
class VectorMathTest {

    @Test
    void expIsWithinTwoUlpsOfTheExactValueOverTheNormalRange() {
        float[] in = new float[LENGTH];
        float[] out = new float[LENGTH];
        for (float x = -87.3f; x + LENGTH * 1e-3f <= 88f; x += 0.0137f) {
            for (int i = 0; i < LENGTH; i++) {
                in[i] = x + i * 1e-3f;
            }
            VectorMath.exp(FloatVector.fromArray(FLOATS, in, 0)).intoArray(out, 0);
            for (int i = 0; i < LENGTH; i++) {
                double exact = Math.exp(in[i]);
                assertTrue(Math.abs(out[i] - exact) <= 2 * Math.ulp((float) exact), "exp(" + in[i] + ") = " + out[i]);
            }
        }
    }

    @Test
    void expIsZeroFarBelowAndOneAtZero() {
        float[] out = new float[LENGTH];
        VectorMath.exp(FloatVector.broadcast(FLOATS, -1000f)).intoArray(out, 0);
        assertEquals(0f, out[0]);
        VectorMath.exp(FloatVector.zero(FLOATS)).intoArray(out, 0);
        assertEquals(1f, out[0]);
    }

    @Test
    void geluNewMatchesTheTanhFormulaWithATailShorterThanAVector() {
        int n = 3 * LENGTH + 3;
        float[] a = new float[n];
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = -8f + 16f * i / n;
            double v = a[i];
            expected[i] = (float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
        }
        VectorMath.gelu(a, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(expected[i], a[i], 1e-6f * Math.max(1f, Math.abs(expected[i])), "gelu at " + i);
        }
    }

    @Test
    void lanesAreSummedHalvesFirst() {
        float[] lanes = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            lanes[i] = (float) Math.pow(-1.7, i) * 1e-3f + i;
        }
        float[] tree = lanes.clone();
        for (int width = LENGTH / 2; width > 0; width /= 2) {
            for (int i = 0; i < width; i++) {
                tree[i] += tree[i + width];
            }
        }
        assertEquals(tree[0], VectorMath.sumLanes(FloatVector.fromArray(FLOATS, lanes, 0)));
    }
}
