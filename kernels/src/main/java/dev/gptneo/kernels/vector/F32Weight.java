package dev.gptneo.kernels.vector;

import dev.gptneo.kernels.DType;
import java.lang.foreign.MemorySegment;

/** F32 weights in the mapped checkpoint: decoding is a plain copy. */
record F32Weight(int rows, int cols, MemorySegment data) implements Weight {

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        MemorySegment.copy(data, F32_LE, (long) first * cols * Float.BYTES, dst, offset, count * cols);
    }

    @Override
    public long byteSize() {
        return data.byteSize();
    }
}
