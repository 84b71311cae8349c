package dev.gptneo.kernels.vector;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix in the format it was loaded in, never expanded in memory: kernels widen rows
 * to floats in registers, into a small per-thread buffer that stays in cache.
 *
 * <p>The checkpoint formats are read straight from the memory-mapped file; Q8_0 from the arrays
 * the quantizer made.
 */
sealed interface Weight extends VectorTensor permits StreamedWeight, F16Weight {

    ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Widens rows {@code first … first+count-1} to floats at {@code dst[offset …]}, row-major. */
    void decodeRows(int first, int count, float[] dst, int offset);

    /** Bytes one pass over the whole matrix reads. */
    long byteSize();
}
