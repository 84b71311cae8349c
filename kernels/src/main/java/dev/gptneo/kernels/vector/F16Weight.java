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
 * F16 weights in the mapped checkpoint. JDK 25's Vector API has no half-float conversion (only
 * the scalar {@code Float.float16ToFloat} is intrinsic), so lanes are widened with integer
 * arithmetic: move exponent and mantissa into float position ({@code << 13}) and rebias the
 * exponent by multiplying with 2^112, which also turns half subnormals into the right normal
 * floats; infinities and NaNs (exponent all ones) get the float exponent all ones; the sign bit
 * moves to bit 31.
 */
record F16Weight(int rows, int cols, MemorySegment data) implements Weight {

    private static final float REBIAS = 0x1p112f;

    @Override
    public DType dtype() {
        return DType.F16;
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
        FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0;
        int i = 0;
        for (int bound = cols - 4 * LENGTH; i <= bound; i += 4 * LENGTH) {
            c0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(widen(base + i), c0);
            c1 = FloatVector.fromArray(FLOATS, x, xo + i + LENGTH).fma(widen(base + i + LENGTH), c1);
            c2 = FloatVector.fromArray(FLOATS, x, xo + i + 2 * LENGTH).fma(widen(base + i + 2 * LENGTH), c2);
            c3 = FloatVector.fromArray(FLOATS, x, xo + i + 3 * LENGTH).fma(widen(base + i + 3 * LENGTH), c3);
        }
        for (; i <= cols - LENGTH; i += LENGTH) {
            c0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(widen(base + i), c0);
        }
        float sum = c0.add(c1).add(c2.add(c3)).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum += x[xo + i] * element(base + i);
        }
        return sum;
    }

    /** The floats of the {@code LENGTH} half-floats at element {@code index}. */
    private FloatVector widen(long index) {
        IntVector half = (IntVector) SHORTS.fromMemorySegment(data, index * 2, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, INTS, 0);
        IntVector magnitude = half.and(0x7fff);
        IntVector bits = magnitude.lanewise(VectorOperators.LSHL, 13)
                .reinterpretAsFloats().mul(REBIAS).reinterpretAsInts();
        bits = bits.blend(bits.or(0x7f800000), magnitude.compare(VectorOperators.GE, 0x7c00));
        return bits.or(half.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    private float element(long index) {
        return Float.float16ToFloat(data.getAtIndex(U16_LE, index));
    }

    @Override
    public long byteSize() {
        return data.byteSize();
    }
}
