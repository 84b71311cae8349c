package dev.gptneo.kernels.vector;

/**
 * A weight whose rows the decode path multiplies straight from storage: at one activation row
 * a matrix product is memory bound, and widening into a buffer first would add a store and a
 * load per element (on Zen 4 a 512-bit store alone takes two cycles) to the single pass over
 * memory. The main formats have this path; F16 goes through {@link Weight#decodeRows}.
 */
sealed interface StreamedWeight extends Weight permits F32Weight, BF16Weight, Q8Weight {

    /**
     * {@code x[xo…xo+cols) · row}. Reads the row front to back, so the hardware prefetcher sees
     * one sequential stream (interleaving several rows defeats it), eight vectors per iteration
     * (measured: a third more bandwidth from one core than four, as more loads are in flight).
     */
    float dot(float[] x, int xo, int row);

    /**
     * The activations as {@link #dot} reads them: {@code x} itself for most formats; a format
     * that reads its weights in another order (BF16) writes the {@code rows} rows of length
     * {@code cols} permuted to match into {@code scratch} and returns that.
     */
    default float[] arrange(float[] x, int rows, float[] scratch) {
        return x;
    }
}
