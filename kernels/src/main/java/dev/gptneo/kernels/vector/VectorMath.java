package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Small vector loops over float arrays shared by the kernels; each handles any length.
 *
 * <p>Every result here is the same bits whether C2 has compiled the code or the Vector API's
 * Java fallback runs it (before compilation, or where C2 gives up): sums of lanes go in a fixed
 * tree ({@link #sumLanes}), and exp is a polynomial of plain operations
 * ({@link #exp(FloatVector)}; a loop's tail takes it a float at a time, {@link #exp(float)}, with
 * the same bits). The library's {@code EXP} and {@code TANH} (a math library once compiled, a
 * lane-by-lane {@code Math} call before) and {@code reduceLanes(ADD)} (a tree once compiled, a
 * loop before) are not, which made a sequence's logits depend on how warm the JIT was when it
 * ran: alone or in a batch, they differed by up to 1.4e-4 (BatchForwardTest).
 */
final class VectorMath {

    private static final float GELU_C = (float) Math.sqrt(2 / Math.PI);
    private static final float GELU_CUBE = 0.044715f * GELU_C;
    // Lane i to lane i ^ k: the steps of sumLanes's tree, null where k ≥ LENGTH. Fields, not an
    // array, so that C2 sees each as a constant.
    private static final VectorShuffle<Float> SWAP_32 = swap(32);
    private static final VectorShuffle<Float> SWAP_16 = swap(16);
    private static final VectorShuffle<Float> SWAP_8 = swap(8);
    private static final VectorShuffle<Float> SWAP_4 = swap(4);
    private static final VectorShuffle<Float> SWAP_2 = swap(2);
    private static final VectorShuffle<Float> SWAP_1 = swap(1);
    // exp: e^x = 2^n · e^r with n = round(x / ln 2) and |r| ≤ ln 2 / 2 (Cephes' expf).
    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split in two, so that n · LN2_HI is exact for the n in range. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 · 2^23: added and taken away again, it rounds a float to the nearest integer. */
    private static final float ROUNDING = 12582912f;
    /** Bounds of x for which 2^n is a normal float. */
    private static final float EXP_LOW = -87.3f;
    private static final float EXP_HIGH = 88.0f;
    /** The polynomial p of r in e^r ≈ 1 + r + p·r², from its r^5 coefficient down to its constant. */
    private static final float P5 = 1.9875691500e-4f;
    private static final float P4 = 1.3981999507e-3f;
    private static final float P3 = 8.3334519073e-3f;
    private static final float P2 = 4.1665795894e-2f;
    private static final float P1 = 1.6666665459e-1f;
    private static final float P0 = 5.0000001201e-1f;
    /** ROUNDING's bits less float's exponent bias: taken from a rounded float's bits, it leaves n + 127. */
    private static final int EXP_BIAS = Float.floatToRawIntBits(ROUNDING) - 127;
    /** Elements whose exps {@link #logSumExp} adds in float before adding them to its double sum. */
    private static final int SUM_BLOCK = 1024;

    private VectorMath() {
    }

    private static VectorShuffle<Float> swap(int k) {
        return k < LENGTH ? VectorShuffle.fromOp(FLOATS, i -> i ^ k) : null;
    }

    /**
     * The sum of v's lanes, added in a fixed tree: halves, then quarters, down to lane 0. The
     * steps are written out, up to SVE's 64 lanes, because a loop over them made C2 box v.
     */
    static float sumLanes(FloatVector v) {
        if (LENGTH > 32) {
            v = v.add(v.rearrange(SWAP_32));
        }
        if (LENGTH > 16) {
            v = v.add(v.rearrange(SWAP_16));
        }
        if (LENGTH > 8) {
            v = v.add(v.rearrange(SWAP_8));
        }
        if (LENGTH > 4) {
            v = v.add(v.rearrange(SWAP_4));
        }
        if (LENGTH > 2) {
            v = v.add(v.rearrange(SWAP_2));
        }
        if (LENGTH > 1) {
            v = v.add(v.rearrange(SWAP_1));
        }
        return v.lane(0);
    }

    /**
     * e^v per lane, within 2 ulp of the exact value for v ≥ -87.3 (0 below it; v above 88
     * is taken as 88): Cephes' {@code expf}, which reduces v to {@code n ln 2 + r} and
     * evaluates a degree-5 polynomial in r.
     */
    static FloatVector exp(FloatVector v) {
        FloatVector x = v.max(EXP_LOW).min(EXP_HIGH);
        FloatVector rounded = x.fma(LOG2E, ROUNDING);
        FloatVector n = rounded.sub(ROUNDING);
        FloatVector r = x.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO)); // n · LN2_HI is exact
        FloatVector p = r.fma(P5, P4);
        p = p.fma(r, FloatVector.broadcast(FLOATS, P3));
        p = p.fma(r, FloatVector.broadcast(FLOATS, P2));
        p = p.fma(r, FloatVector.broadcast(FLOATS, P1));
        p = p.fma(r, FloatVector.broadcast(FLOATS, P0));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        // 2^n from the bits of the rounded float: its low mantissa bits hold n + 2^22.
        FloatVector scale = rounded.reinterpretAsInts()
                .sub(EXP_BIAS)
                .lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return y.mul(scale).blend(0f, v.lt(EXP_LOW));
    }

    /**
     * {@link #exp(FloatVector)} of one float, the same bits as a lane of it, for the tails of
     * loops: a second, masked vector call site for them made C2 stop inlining exp and box vectors.
     */
    static float exp(float v) {
        float x = Math.min(Math.max(v, EXP_LOW), EXP_HIGH);
        float rounded = Math.fma(x, LOG2E, ROUNDING);
        float n = rounded - ROUNDING;
        float r = x - n * LN2_HI - n * LN2_LO;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, P5, P4), r, P3), r, P2), r, P1), r, P0);
        float y = Math.fma(p, r * r, r) + 1f;
        float scale = Float.intBitsToFloat(Float.floatToRawIntBits(rounded) - EXP_BIAS << 23);
        return v < EXP_LOW ? 0f : y * scale;
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
        float sum = sumLanes(c0.add(c1).add(c2.add(c3)));
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
        float sum = sumLanes(acc);
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

    /**
     * The lowest index of the largest of {@code a}, NaN never chosen (0 when every value is NaN
     * or -∞), as {@code Backend.argmax}: a pass for the largest value, then one to where it first
     * occurs. Each lane keeps a vector's value only where it compares greater, since the
     * lanewise {@code max} would carry a NaN into the result.
     */
    static int argmax(float[] a) {
        FloatVector acc = FloatVector.broadcast(FLOATS, Float.NEGATIVE_INFINITY);
        int bound = FLOATS.loopBound(a.length);
        int i = 0;
        for (; i < bound; i += LENGTH) {
            FloatVector v = FloatVector.fromArray(FLOATS, a, i);
            acc = acc.blend(v, v.compare(VectorOperators.GT, acc));
        }
        float max = acc.reduceLanes(VectorOperators.MAX);
        for (; i < a.length; i++) {
            max = a[i] > max ? a[i] : max;
        }
        if (max == Float.NEGATIVE_INFINITY) {
            return 0;
        }
        for (i = 0; i < bound; i += LENGTH) {
            VectorMask<Float> at = FloatVector.fromArray(FLOATS, a, i).compare(VectorOperators.EQ, max);
            if (at.anyTrue()) {
                return i + at.firstTrue();
            }
        }
        while (a[i] != max) {
            i++;
        }
        return i;
    }

    /** In place {@code a[i] = exp(a[i] - max)} over {@code a[ao…ao+n)}; returns their sum. */
    static float expShifted(float[] a, int ao, int n, float max) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (int bound = FLOATS.loopBound(n); i < bound; i += LENGTH) {
            FloatVector e = exp(FloatVector.fromArray(FLOATS, a, ao + i).sub(max));
            e.intoArray(a, ao + i);
            acc = acc.add(e);
        }
        float sum = sumLanes(acc);
        for (; i < n; i++) {
            a[ao + i] = exp(a[ao + i] - max);
            sum += a[ao + i];
        }
        return sum;
    }

    /**
     * {@code log Σ e^a[i]} over all of {@code a}, stably: the exps of each block of
     * {@link #SUM_BLOCK} are summed in float lanes, the blocks' sums in double, so that a
     * vocabulary's 50k terms lose no more than float64's sum of them would in a float result.
     */
    static double logSumExp(float[] a) {
        float max = max(a, 0, a.length);
        if (max == Float.NEGATIVE_INFINITY) {
            return max; // nothing has any probability
        }
        double sum = 0;
        for (int from = 0; from < a.length; from += SUM_BLOCK) {
            int n = Math.min(SUM_BLOCK, a.length - from);
            FloatVector acc = FloatVector.zero(FLOATS);
            int i = 0;
            for (int bound = FLOATS.loopBound(n); i < bound; i += LENGTH) {
                acc = acc.add(exp(FloatVector.fromArray(FLOATS, a, from + i).sub(max)));
            }
            float block = sumLanes(acc);
            for (; i < n; i++) {
                block += exp(a[from + i] - max);
            }
            sum += block;
        }
        return max + Math.log(sum);
    }

    /**
     * In place gelu_new over {@code a[ao…ao+n)}: {@code 0.5·v·(1 + tanh(z))} with
     * {@code z = √(2/π)·(v + 0.044715·v³)}, computed as {@code v / (1 + e^(-2z))}, the same
     * function (0.5·(1 + tanh z) is the logistic function of 2z) with one {@link #exp}.
     */
    static void gelu(float[] a, int ao, int n) {
        int i = 0;
        for (int bound = FLOATS.loopBound(n); i < bound; i += LENGTH) {
            gelu(FloatVector.fromArray(FLOATS, a, ao + i)).intoArray(a, ao + i);
        }
        for (; i < n; i++) {
            float v = a[ao + i];
            a[ao + i] = v / (exp(Math.fma(v * v, GELU_CUBE, GELU_C) * v * -2f) + 1f);
        }
    }

    private static FloatVector gelu(FloatVector v) {
        FloatVector z = v.mul(v).fma(GELU_CUBE, GELU_C).mul(v);
        return v.div(exp(z.mul(-2f)).add(1f));
    }
}
