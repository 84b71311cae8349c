package dev.gptneo.kernels.vector;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix in the format it was loaded in, never expanded in memory: kernels widen rows
 * to floats in registers, or into a small per-thread buffer that stays in cache.
 *
 * <p>The checkpoint formats are read straight from the memory-mapped file; Q8_0 from the arrays
 * the quantizer made.
 */
sealed interface Weight extends VectorTensor permits F32Weight, BF16Weight, F16Weight, Q8Weight {

    ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Widens rows {@code first … first+count-1} to floats at {@code dst[offset …]}, row-major. */
    void decodeRows(int first, int count, float[] dst, int offset);

    /** Bytes one pass over the whole matrix reads. */
    long byteSize();

    /**
     * {@code x[xo…xo+cols) · row}, multiplied straight from storage where the format allows: at
     * one activation row a matrix product is memory bound, and widening into a buffer first
     * would add a store and a load per element (on Zen 4 a 512-bit store alone takes two
     * cycles). Reads the row front to back, so the hardware prefetcher sees one sequential
     * stream (interleaving several rows defeats it), eight vectors per iteration (measured: a
     * third more bandwidth from one core than four, as more loads are in flight).
     *
     * @param scratch at least {@code cols} floats, for a format that widens the row there first
     */
    float dot(float[] x, int xo, int row, float[] scratch);

    /**
     * The activations as {@link #dot} reads them: {@code x} itself for most formats; a format
     * that reads its weights in another order (BF16) writes the {@code rows} rows of length
     * {@code cols} permuted to match into {@code scratch} and returns that.
     */
    default float[] arrange(float[] x, int rows, float[] scratch) {
        return x;
    }
}
