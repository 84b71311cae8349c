package dev.gptneo.kernels;

import java.util.List;

/**
 * One sequence's rows in a batch, as {@link Backend#attention} and {@link Backend#cacheWrite}
 * see them: rows {@code firstRow … firstRow+rows-1} of the batch are its positions
 * {@code past … past+rows-1}, and {@code cacheK}/{@code cacheV} are its cache for the layer
 * ({@code capacity × hidden}, position p in slot p % capacity).
 */
public record BatchSequence(int firstRow, int rows, int past, Tensor cacheK, Tensor cacheV) {

    public BatchSequence {
        if (firstRow < 0 || rows < 1 || past < 0 || cacheK == null || cacheV == null) {
            throw new IllegalArgumentException("batch sequence: first row " + firstRow + ", " + rows
                    + " rows, past " + past + ", cache " + cacheK + "/" + cacheV);
        }
    }

    /** The number of slots of its cache. */
    public int capacity() {
        return cacheK.rows();
    }

    /**
     * Checks that {@code sequences} cover rows {@code 0 … rows-1} in order, each starting where
     * the one before ends, so that every row belongs to exactly one sequence.
     */
    public static void checkCovers(List<BatchSequence> sequences, int rows, String operation) {
        int next = 0;
        for (BatchSequence s : sequences) {
            if (s.firstRow != next) {
                throw new IllegalArgumentException(operation + ": a sequence starts at row " + s.firstRow
                        + ", expected row " + next + " (sequences must cover the rows in order)");
            }
            next += s.rows;
        }
        if (next != rows) {
            throw new IllegalArgumentException(operation + ": the sequences cover " + next + " rows of " + rows);
        }
    }
}
