package dev.gptneo.kernels.vector;

/**
 * A weight whose rows the decode path multiplies straight from storage: at one activation row
 * a matrix product is memory bound, and widening into a buffer first would add a store and a
 * load per element (on Zen 4 a 512-bit store alone takes two cycles) to the single pass over
 * memory. The main formats have this path; F16 goes through {@link Weight#decodeRows}.
 */
sealed interface StreamedWeight extends Weight permits F32Weight, BF16Weight, Q8Weight {

    /**
     * {@code s[i] = x[xo…xo+cols) · row ri} for the four rows r0…r3 (repeat a row to compute
     * fewer): four independent accumulators, one load of x per step.
     */
    void dot4(float[] x, int xo, int r0, int r1, int r2, int r3, float[] s);
}
