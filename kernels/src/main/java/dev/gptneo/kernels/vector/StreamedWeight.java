package dev.gptneo.kernels.vector;

/**
 * A weight that decode multiplies straight from its storage ({@link Matmul} at up to
 * {@link Matmul#STREAMED_ROWS} rows of x): Q8_0, whose blocks of bytes and scales have no
 * panel layout, and where reading the stored bytes once per step is what bounds decode.
 */
sealed interface StreamedWeight extends Weight permits Q8Weight {

    /**
     * {@code out[oo + j] = x[xo…xo+cols) · row j} for rows {@code from…to-1}, multiplied straight
     * from storage: at one activation row a matrix product is memory bound, and widening into a
     * buffer first would add a store and a load per element. Reads
     * each row front to back, so the hardware prefetcher sees one sequential stream (interleaving
     * several rows defeats it), eight vectors per iteration (more loads in flight than four; with
     * sixteen C2 no longer keeps the accumulators in registers). One call takes a run of rows,
     * with the row loop around the vector loop in the same method: a call per row is too large
     * for C2 to inline, and its cost shows (figures in docs/performance-notes.md).
     */
    void dotRows(float[] x, int xo, int from, int to, float[] out, int oo);

    /**
     * {@link #dotRows} for two rows of x at once, x's rows {@code cols} apart from {@code xo},
     * their outputs {@link #rows()} apart from {@code oo}: each weight vector is loaded (and
     * widened) once and used for both rows, so the weights are read once for both. Eight
     * accumulators, four weight vectors per step, as in {@link #dotRows}.
     */
    void dotRows2(float[] x, int xo, int from, int to, float[] out, int oo);

    /** {@link #dotRows2} for four rows of x: eight accumulators, two weight vectors per step. */
    void dotRows4(float[] x, int xo, int from, int to, float[] out, int oo);
}
