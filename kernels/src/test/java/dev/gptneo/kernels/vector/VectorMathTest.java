package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The vector backend's own exp, gelu_new, log-sum-exp and lane sums against {@code Math} in double precision. */
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
    void scalarExpIsTheSameBitsAsTheVectorsLanes() {
        // Loops take their tails one float at a time: a tail must round as the lanes before it.
        float[] in = new float[LENGTH];
        float[] out = new float[LENGTH];
        for (float x = -100f; x <= 100f; x += 0.0137f * LENGTH) {
            for (int i = 0; i < LENGTH; i++) {
                in[i] = x + i * 0.0137f;
            }
            in[0] = x < 0 ? Float.NEGATIVE_INFINITY : Float.NaN;
            VectorMath.exp(FloatVector.fromArray(FLOATS, in, 0)).intoArray(out, 0);
            for (int i = 0; i < LENGTH; i++) {
                assertEquals(Float.floatToIntBits(out[i]), Float.floatToIntBits(VectorMath.exp(in[i])),
                        "exp(" + in[i] + ")");
            }
        }
    }

    @Test
    void expShiftedWritesEachExpAndReturnsTheirSumWithATail() {
        int n = 2 * LENGTH + 5;
        float[] a = new float[n + 2];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) Math.sin(i) * 4;
        }
        float[] before = a.clone();
        float sum = VectorMath.expShifted(a, 1, n, 4f);
        double expected = 0;
        for (int i = 1; i <= n; i++) {
            double e = Math.exp(before[i] - 4f); // the shift rounds in float first
            expected += e;
            assertEquals(e, a[i], 2 * Math.ulp((float) e), "exp at " + i);
        }
        assertEquals(expected, sum, 1e-6 * expected);
        assertEquals(before[0], a[0]);
        assertEquals(before[n + 1], a[n + 1]);
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
    void logSumExpOfAVocabularyRowMatchesFloat64WithPaddingAndATail() {
        // GPT-2's 50257 logits (not a whole number of vectors), spread as a model's are, and a
        // padded vocabulary's extra rows, which the engine sets to -inf.
        float[] logits = new float[50304];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 50257; i++) {
            logits[i] = (float) (random.nextGaussian() * 4 - 30);
        }
        Arrays.fill(logits, 50257, logits.length, Float.NEGATIVE_INFINITY);
        // In double, exp(v) of these logits needs no shift to stay in range.
        double expected = Math.log(IntStream.range(0, logits.length)
                .mapToDouble(i -> Math.exp(logits[i])).sum());
        assertEquals(expected, VectorMath.logSumExp(logits), 1e-6 * Math.abs(expected));
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.logSumExp(new float[] {Float.NEGATIVE_INFINITY}));
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
