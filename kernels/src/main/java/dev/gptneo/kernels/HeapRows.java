package dev.gptneo.kernels;

/**
 * Row bookkeeping shared by the backends that keep activations in heap float arrays: the same
 * ring-buffer rule for the KV cache and the same copy checks, written once.
 */
public final class HeapRows {

    private HeapRows() {
    }

    /**
     * Stores rows {@code firstRow … firstRow+rows-1} of {@code k} and {@code v} (positions
     * {@code past…}, {@code hidden} floats each) in their cache slots, position p in slot
     * p % capacity; with more rows than the cache holds, only the last {@code capacity} are written.
     */
    public static void cacheWrite(float[] k, float[] v, float[] cacheK, float[] cacheV,
                                  int firstRow, int rows, int hidden, int capacity, int past) {
        for (int r = Math.max(0, rows - capacity); r < rows; r++) {
            int slot = (past + r) % capacity;
            System.arraycopy(k, (firstRow + r) * hidden, cacheK, slot * hidden, hidden);
            System.arraycopy(v, (firstRow + r) * hidden, cacheV, slot * hidden, hidden);
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
