package dev.gptneo.kernels.vector;

import dev.gptneo.kernels.DType;
import java.lang.foreign.MemorySegment;

/**
 * A one-row F32 parameter (a bias, a layer norm's weights) in the mapped checkpoint, read once
 * per use: F32 matrices are packed into {@link PanelWeight}s instead.
 */
record F32Weight(int rows, int cols, MemorySegment data) implements Weight {

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        MemorySegment.copy(data, F32_LE, (long) first * cols * Float.BYTES, dst, offset, count * cols);
    }
}
