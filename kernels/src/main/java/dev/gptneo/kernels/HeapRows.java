package dev.gptneo.kernels;

/**
 * Row bookkeeping shared by the backends that keep activations in heap float arrays: the same
 * block-table rule for the KV cache and the same copy checks, written once.
 */
public final class HeapRows {

    private HeapRows() {
    }

    /**
     * Stores sequence {@code s}'s rows of {@code k} and {@code v} ({@code hidden} floats each)
     * in the rows of the pools its block table gives their positions ({@link BatchSequence#row});
     * with more rows than the table holds, only the last {@code capacity} are written.
     */
    public static void cacheWrite(float[] k, float[] v, float[] poolK, float[] poolV, BatchSequence s, int hidden) {
        for (int r = Math.max(0, s.rows() - s.capacity()); r < s.rows(); r++) {
            int row = s.row(s.past() + r);
            System.arraycopy(k, (s.firstRow() + r) * hidden, poolK, row * hidden, hidden);
            System.arraycopy(v, (s.firstRow() + r) * hidden, poolV, row * hidden, hidden);
        }
    }

    /** Copies {@code count} rows of {@code cols} floats from row {@code srcRow} to row {@code dstRow}. */
    public static void copyRows(float[] src, int srcRow, float[] dst, int dstRow, int count, int cols) {
        System.arraycopy(src, srcRow * cols, dst, dstRow * cols, count * cols);
    }

    /** Copies all of {@code src} into {@code dst}, which must have the same length. */
    public static void copyAll(float[] src, float[] dst) {
        checkSameLength(src, dst);
        System.arraycopy(src, 0, dst, 0, dst.length);
    }

    /** Throws naming both lengths unless {@code given} is as long as {@code expected}. */
    public static void checkSameLength(float[] given, float[] expected) {
        if (given.length != expected.length) {
            throw new IllegalArgumentException("length " + given.length + ", expected " + expected.length);
        }
    }
}
