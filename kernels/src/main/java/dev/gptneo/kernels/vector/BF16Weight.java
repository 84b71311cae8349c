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
record BF16Weight(int rows, int cols, MemorySegment data) implements Weight {

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
