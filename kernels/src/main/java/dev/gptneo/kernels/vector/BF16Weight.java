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
    public void dot4(float[] x, int xo, int r0, int r1, int r2, int r3, float[] s) {
        long b0 = (long) r0 * cols, b1 = (long) r1 * cols, b2 = (long) r2 * cols, b3 = (long) r3 * cols;
        FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0;
        int i = 0;
        for (int bound = FLOATS.loopBound(cols); i < bound; i += LENGTH) {
            FloatVector a = FloatVector.fromArray(FLOATS, x, xo + i);
            c0 = a.fma(widen(b0 + i), c0);
            c1 = a.fma(widen(b1 + i), c1);
            c2 = a.fma(widen(b2 + i), c2);
            c3 = a.fma(widen(b3 + i), c3);
        }
        s[0] = c0.reduceLanes(VectorOperators.ADD);
        s[1] = c1.reduceLanes(VectorOperators.ADD);
        s[2] = c2.reduceLanes(VectorOperators.ADD);
        s[3] = c3.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            s[0] += x[xo + i] * element(b0 + i);
            s[1] += x[xo + i] * element(b1 + i);
            s[2] += x[xo + i] * element(b2 + i);
            s[3] += x[xo + i] * element(b3 + i);
        }
    }

    @Override
    public long byteSize() {
        return data.byteSize();
    }
}
