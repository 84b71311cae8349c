package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Small vector loops over float arrays shared by the kernels; each handles any length. */
final class VectorMath {

    private static final float GELU_C = (float) Math.sqrt(2 / Math.PI);
    private static final float GELU_CUBE = 0.044715f * GELU_C;

    private VectorMath() {
    }

    /** {@code a[ao…ao+n) · b[bo…bo+n)}, in four chains. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0;
        int i = 0;
        for (; i + 4 * LENGTH <= n; i += 4 * LENGTH) {
            c0 = FloatVector.fromArray(FLOATS, a, ao + i).fma(FloatVector.fromArray(FLOATS, b, bo + i), c0);
            c1 = FloatVector.fromArray(FLOATS, a, ao + i + LENGTH).fma(FloatVector.fromArray(FLOATS, b, bo + i + LENGTH), c1);
            c2 = FloatVector.fromArray(FLOATS, a, ao + i + 2 * LENGTH).fma(FloatVector.fromArray(FLOATS, b, bo + i + 2 * LENGTH), c2);
            c3 = FloatVector.fromArray(FLOATS, a, ao + i + 3 * LENGTH).fma(FloatVector.fromArray(FLOATS, b, bo + i + 3 * LENGTH), c3);
        }
        for (; i + LENGTH <= n; i += LENGTH) {
            c0 = FloatVector.fromArray(FLOATS, a, ao + i).fma(FloatVector.fromArray(FLOATS, b, bo + i), c0);
        }
        float sum = c0.add(c1).add(c2.add(c3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** {@code y[yo…yo+n) += x[xo…xo+n)}. */
    static void addInto(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = FLOATS.loopBound(n); i < bound; i += LENGTH) {
            FloatVector.fromArray(FLOATS, x, xo + i)
                    .add(FloatVector.fromArray(FLOATS, y, yo + i))
                    .intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += x[xo + i];
        }
    }

    /** Sum of {@code a[ao…ao+n)}. */
    static float sum(float[] a, int ao, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (int bound = FLOATS.loopBound(n); i < bound; i += LENGTH) {
            acc = acc.add(FloatVector.fromArray(FLOATS, a, ao + i));
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[ao + i];
        }
        return sum;
    }

    /** Largest of {@code a[ao…ao+n)}, n ≥ 1. */
    static float max(float[] a, int ao, int n) {
        FloatVector acc = FloatVector.broadcast(FLOATS, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = FLOATS.loopBound(n); i < bound; i += LENGTH) {
            acc = acc.max(FloatVector.fromArray(FLOATS, a, ao + i));
        }
        float max = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, a[ao + i]);
        }
        return max;
    }

    /** In place {@code a[i] = exp(a[i] - max)} over {@code a[ao…ao+n)}; returns their sum. */
    static float expShifted(float[] a, int ao, int n, float max) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (int bound = FLOATS.loopBound(n); i < bound; i += LENGTH) {
            FloatVector e = FloatVector.fromArray(FLOATS, a, ao + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(a, ao + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            a[ao + i] = (float) Math.exp(a[ao + i] - max);
            sum += a[ao + i];
        }
        return sum;
    }

    /**
     * In place gelu_new over {@code a[ao…ao+n)}: {@code 0.5·v·(1 + tanh(√(2/π)·(v + 0.044715·v³)))},
     * with the tanh from the vector math library.
     */
    static void gelu(float[] a, int ao, int n) {
        int i = 0;
        for (int bound = FLOATS.loopBound(n); i < bound; i += LENGTH) {
            FloatVector v = FloatVector.fromArray(FLOATS, a, ao + i);
            FloatVector inner = v.mul(v).fma(GELU_CUBE, GELU_C).mul(v);
            FloatVector half = v.mul(0.5f);
            inner.lanewise(VectorOperators.TANH).fma(half, half).intoArray(a, ao + i);
        }
        for (; i < n; i++) {
            double v = a[ao + i];
            a[ao + i] = (float) (0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v))));
        }
    }
}
