package dev.gptneo.kernels.vector;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix in the format it was loaded in, never widened in memory: kernels widen rows
 * to floats in registers, or into a small per-thread buffer that stays in cache.
 *
 * <p>F32 matrices are packed at load into {@link PanelWeight}'s layout, and BF16, F16 and Q8_0
 * matrices into the same layout at 16 or 8 bits ({@link NarrowPanelWeight}); one-row F32
 * parameters (biases, norms) stay in the file as {@link F32Weight}s.
 */
sealed interface Weight extends VectorTensor permits F32Weight, PanelWeight, NarrowPanelWeight {

    ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Widens rows {@code first … first+count-1} to floats at {@code dst[offset …]}, row-major. */
    void decodeRows(int first, int count, float[] dst, int offset);
}
