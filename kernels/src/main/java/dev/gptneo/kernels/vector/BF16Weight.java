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
 * BF16 weights in the mapped checkpoint. A bfloat16 is the top half of a float32, so widening is
 * sign-extend to int, shift left 16, reinterpret: three cheap instructions per vector.
 */
record BF16Weight(int rows, int cols, MemorySegment data) implements Weight {

    @Override
    public DType dtype() {
        return DType.BF16;
    }

    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        long base = (long) first * cols;
        int n = count * cols;
        int i = 0;
        for (int bound = FLOATS.loopBound(n); i < bound; i += FLOATS.length()) {
            ((IntVector) SHORTS.fromMemorySegment(data, (base + i) * 2, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats()
                    .intoArray(dst, offset + i);
        }
        for (; i < n; i++) {
            dst[offset + i] = Float.intBitsToFloat(data.getAtIndex(U16_LE, base + i) << 16);
        }
    }

    @Override
    public long byteSize() {
        return data.byteSize();
    }
}
