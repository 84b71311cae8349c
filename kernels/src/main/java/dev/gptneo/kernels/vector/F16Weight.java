package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.INTS;
import static dev.gptneo.kernels.vector.Lanes.SHORTS;

import dev.gptneo.kernels.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
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
        for (int bound = FLOATS.loopBound(n); i < bound; i += FLOATS.length()) {
            IntVector half = (IntVector) SHORTS.fromMemorySegment(data, (base + i) * 2, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            IntVector magnitude = half.and(0x7fff);
            IntVector bits = magnitude.lanewise(VectorOperators.LSHL, 13)
                    .reinterpretAsFloats().mul(REBIAS).reinterpretAsInts();
            bits = bits.blend(bits.or(0x7f800000), magnitude.compare(VectorOperators.GE, 0x7c00));
            bits.or(half.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats()
                    .intoArray(dst, offset + i);
        }
        for (; i < n; i++) {
            dst[offset + i] = Float.float16ToFloat(data.getAtIndex(U16_LE, base + i));
        }
    }

    @Override
    public long byteSize() {
        return data.byteSize();
    }
}
