package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.INTS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;
import static dev.gptneo.kernels.vector.Lanes.SHORTS;

import dev.gptneo.kernels.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * BF16 weights in the mapped checkpoint. A bfloat16 is the top half of a float32, so widening is
 * sign-extend to int, shift left 16, reinterpret: two instructions per vector after the load.
 *
 * <p>Decode avoids even that conversion across vector sizes, which costs a third of the
 * bandwidth: it loads {@code 2 × LENGTH} values as one int vector, whose lanes hold an even
 * element in the low half and the next odd one in the high half; a shift gives the even
 * elements as floats, a mask the odd ones. The activations are permuted once per call to match
 * ({@link #arrange}: per block of {@code 2 × LENGTH}, the evens, then the odds).
 */
record BF16Weight(int rows, int cols, MemorySegment data) implements StreamedWeight {

    @Override
    public DType dtype() {
        return DType.BF16;
    }

    /** The floats of the {@code LENGTH} bfloat16 values at element {@code index}. */
    private FloatVector widen(long index) {
        return ((IntVector) SHORTS.fromMemorySegment(data, index * 2, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, INTS, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    private float element(long index) {
        return Float.intBitsToFloat(data.getAtIndex(U16_LE, index) << 16);
    }

    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        long base = (long) first * cols;
        int n = count * cols;
        int i = 0;
        for (int bound = FLOATS.loopBound(n); i < bound; i += LENGTH) {
            widen(base + i).intoArray(dst, offset + i);
        }
        for (; i < n; i++) {
            dst[offset + i] = element(base + i);
        }
    }

    /** Elements a paired block covers: one int vector's worth of bfloat16 pairs. */
    private static final int BLOCK = 2 * LENGTH;
    private static final int HIGH_HALF = 0xFFFF0000;

    @Override
    public float[] arrange(float[] x, int rows, float[] scratch) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            int b = 0;
            for (; b + BLOCK <= cols; b += BLOCK) {
                for (int j = 0; j < LENGTH; j++) {
                    scratch[o + b + j] = x[o + b + 2 * j];
                    scratch[o + b + LENGTH + j] = x[o + b + 2 * j + 1];
                }
            }
            System.arraycopy(x, o + b, scratch, o + b, cols - b); // the tail stays in order
        }
        return scratch;
    }

    /**
     * {@code x} as {@link #arrange} left it. The widened weights are the receiver of each FMA and
     * the activation load its argument, not the other way round, which streams faster (most
     * likely as C2 can then fold the load into the FMA instruction, leaving fewer operations per
     * byte; docs/performance-notes.md).
     */
    @Override
    public void dotRows(float[] x, int xo, int from, int to, float[] out, int oo, float[] scratch) {
        for (int row = from; row < to; row++) {
            long base = (long) row * cols;
            FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            int i = 0;
            for (int bound = cols - 4 * BLOCK; i <= bound; i += 4 * BLOCK) {
                IntVector w0 = pairs(base + i);
                IntVector w1 = pairs(base + i + BLOCK);
                IntVector w2 = pairs(base + i + 2 * BLOCK);
                IntVector w3 = pairs(base + i + 3 * BLOCK);
                c0 = evens(w0).fma(FloatVector.fromArray(FLOATS, x, xo + i), c0);
                c1 = odds(w0).fma(FloatVector.fromArray(FLOATS, x, xo + i + LENGTH), c1);
                c2 = evens(w1).fma(FloatVector.fromArray(FLOATS, x, xo + i + BLOCK), c2);
                c3 = odds(w1).fma(FloatVector.fromArray(FLOATS, x, xo + i + BLOCK + LENGTH), c3);
                c4 = evens(w2).fma(FloatVector.fromArray(FLOATS, x, xo + i + 2 * BLOCK), c4);
                c5 = odds(w2).fma(FloatVector.fromArray(FLOATS, x, xo + i + 2 * BLOCK + LENGTH), c5);
                c6 = evens(w3).fma(FloatVector.fromArray(FLOATS, x, xo + i + 3 * BLOCK), c6);
                c7 = odds(w3).fma(FloatVector.fromArray(FLOATS, x, xo + i + 3 * BLOCK + LENGTH), c7);
            }
            for (; i <= cols - BLOCK; i += BLOCK) {
                IntVector w = pairs(base + i);
                c0 = evens(w).fma(FloatVector.fromArray(FLOATS, x, xo + i), c0);
                c1 = odds(w).fma(FloatVector.fromArray(FLOATS, x, xo + i + LENGTH), c1);
            }
            float sum = c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7))).reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                sum += x[xo + i] * element(base + i);
            }
            out[oo + row] = sum;
        }
    }

    /** As {@link #dotRows}: the widened evens and odds of each paired block serve both rows of x. */
    @Override
    public void dotRows2(float[] x, int xo, int from, int to, float[] out, int oo, float[] scratch) {
        int x1 = xo + cols;
        for (int row = from; row < to; row++) {
            long base = (long) row * cols;
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int i = 0;
            for (int bound = cols - 2 * BLOCK; i <= bound; i += 2 * BLOCK) {
                IntVector p0 = pairs(base + i);
                IntVector p1 = pairs(base + i + BLOCK);
                FloatVector e0 = evens(p0), o0 = odds(p0), e1 = evens(p1), o1 = odds(p1);
                a0 = e0.fma(FloatVector.fromArray(FLOATS, x, xo + i), a0);
                a1 = o0.fma(FloatVector.fromArray(FLOATS, x, xo + i + LENGTH), a1);
                a2 = e1.fma(FloatVector.fromArray(FLOATS, x, xo + i + BLOCK), a2);
                a3 = o1.fma(FloatVector.fromArray(FLOATS, x, xo + i + BLOCK + LENGTH), a3);
                b0 = e0.fma(FloatVector.fromArray(FLOATS, x, x1 + i), b0);
                b1 = o0.fma(FloatVector.fromArray(FLOATS, x, x1 + i + LENGTH), b1);
                b2 = e1.fma(FloatVector.fromArray(FLOATS, x, x1 + i + BLOCK), b2);
                b3 = o1.fma(FloatVector.fromArray(FLOATS, x, x1 + i + BLOCK + LENGTH), b3);
            }
            if (i <= cols - BLOCK) {
                IntVector p0 = pairs(base + i);
                FloatVector e0 = evens(p0), o0 = odds(p0);
                a0 = e0.fma(FloatVector.fromArray(FLOATS, x, xo + i), a0);
                a1 = o0.fma(FloatVector.fromArray(FLOATS, x, xo + i + LENGTH), a1);
                b0 = e0.fma(FloatVector.fromArray(FLOATS, x, x1 + i), b0);
                b1 = o0.fma(FloatVector.fromArray(FLOATS, x, x1 + i + LENGTH), b1);
                i += BLOCK;
            }
            float s0 = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
            float s1 = b0.add(b1).add(b2.add(b3)).reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                float w = element(base + i);
                s0 += x[xo + i] * w;
                s1 += x[x1 + i] * w;
            }
            out[oo + row] = s0;
            out[oo + rows + row] = s1;
        }
    }

    /** As {@link #dotRows2}, for four rows of x: one paired block (two widened vectors) per step. */
    @Override
    public void dotRows4(float[] x, int xo, int from, int to, float[] out, int oo, float[] scratch) {
        int x1 = xo + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int row = from; row < to; row++) {
            long base = (long) row * cols;
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int i = 0;
            for (int bound = cols - BLOCK; i <= bound; i += BLOCK) {
                IntVector p = pairs(base + i);
                FloatVector e = evens(p), o = odds(p);
                a0 = e.fma(FloatVector.fromArray(FLOATS, x, xo + i), a0);
                a1 = e.fma(FloatVector.fromArray(FLOATS, x, x1 + i), a1);
                a2 = e.fma(FloatVector.fromArray(FLOATS, x, x2 + i), a2);
                a3 = e.fma(FloatVector.fromArray(FLOATS, x, x3 + i), a3);
                b0 = o.fma(FloatVector.fromArray(FLOATS, x, xo + i + LENGTH), b0);
                b1 = o.fma(FloatVector.fromArray(FLOATS, x, x1 + i + LENGTH), b1);
                b2 = o.fma(FloatVector.fromArray(FLOATS, x, x2 + i + LENGTH), b2);
                b3 = o.fma(FloatVector.fromArray(FLOATS, x, x3 + i + LENGTH), b3);
            }
            float s0 = a0.add(b0).reduceLanes(VectorOperators.ADD);
            float s1 = a1.add(b1).reduceLanes(VectorOperators.ADD);
            float s2 = a2.add(b2).reduceLanes(VectorOperators.ADD);
            float s3 = a3.add(b3).reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                float w = element(base + i);
                s0 += x[xo + i] * w;
                s1 += x[x1 + i] * w;
                s2 += x[x2 + i] * w;
                s3 += x[x3 + i] * w;
            }
            out[oo + row] = s0;
            out[oo + rows + row] = s1;
            out[oo + 2 * rows + row] = s2;
            out[oo + 3 * rows + row] = s3;
        }
    }

    /** {@code 2 × LENGTH} bfloat16 values from element {@code index}, two per int lane. */
    private IntVector pairs(long index) {
        return IntVector.fromMemorySegment(INTS, data, index * 2, ByteOrder.LITTLE_ENDIAN);
    }

    private static FloatVector evens(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector odds(IntVector pairs) {
        return pairs.lanewise(VectorOperators.AND, HIGH_HALF).reinterpretAsFloats();
    }
}
