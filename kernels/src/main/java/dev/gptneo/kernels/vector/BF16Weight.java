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

    @Override
    public float dot(float[] x, int xo, int row) {
        long base = (long) row * cols;
        FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        int i = 0;
        for (int bound = cols - 8 * LENGTH; i <= bound; i += 8 * LENGTH) {
            c0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(widen(base + i), c0);
            c1 = FloatVector.fromArray(FLOATS, x, xo + i + LENGTH).fma(widen(base + i + LENGTH), c1);
            c2 = FloatVector.fromArray(FLOATS, x, xo + i + 2 * LENGTH).fma(widen(base + i + 2 * LENGTH), c2);
            c3 = FloatVector.fromArray(FLOATS, x, xo + i + 3 * LENGTH).fma(widen(base + i + 3 * LENGTH), c3);
            c4 = FloatVector.fromArray(FLOATS, x, xo + i + 4 * LENGTH).fma(widen(base + i + 4 * LENGTH), c4);
            c5 = FloatVector.fromArray(FLOATS, x, xo + i + 5 * LENGTH).fma(widen(base + i + 5 * LENGTH), c5);
            c6 = FloatVector.fromArray(FLOATS, x, xo + i + 6 * LENGTH).fma(widen(base + i + 6 * LENGTH), c6);
            c7 = FloatVector.fromArray(FLOATS, x, xo + i + 7 * LENGTH).fma(widen(base + i + 7 * LENGTH), c7);
        }
        for (; i <= cols - LENGTH; i += LENGTH) {
            c0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(widen(base + i), c0);
        }
        float sum = c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7))).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum += x[xo + i] * element(base + i);
        }
        return sum;
    }

    @Override
    public long byteSize() {
        return data.byteSize();
    }
}
