package dev.gptneo.kernels;

import java.util.Arrays;
import java.util.List;

/**
 * One sequence's rows in a batch, as {@link Backend#attention} and {@link Backend#cacheWrite}
 * see them: rows {@code firstRow … firstRow+rows-1} of the batch are its positions
 * {@code past … past+rows-1}. Its keys and values for the layer live in blocks of
 * {@code blockSize} rows of the pool tensors {@code poolK}/{@code poolV} (shared with other
 * sequences), the blocks its {@code table} names: position p lies in row {@link #row(int)
 * table[(p / blockSize) % table.length] · blockSize + p % blockSize}.
 *
 * <p>One formula serves both kinds of layer. A table with an entry for every block of the
 * sequence's positions (a global layer's) never wraps; a shorter one (a local layer's ring)
 * reuses its blocks position by position, so it holds the last {@link #capacity} positions.
 * The backends read the table during the call only and never change it.
 */
public record BatchSequence(int firstRow, int rows, int past, Tensor poolK, Tensor poolV, int[] table, int blockSize) {

    public BatchSequence {
        if (firstRow < 0 || rows < 1 || past < 0 || poolK == null || poolV == null || table == null
                || table.length == 0 || blockSize < 1) {
            throw new IllegalArgumentException("batch sequence: first row " + firstRow + ", " + rows + " rows, past "
                    + past + ", pool " + poolK + "/" + poolV + ", block table "
                    + (table == null ? null : Arrays.toString(table)) + ", block size " + blockSize);
        }
        int blocks = poolK.rows() / blockSize;
        for (int block : table) {
            if (block < 0 || block >= blocks) {
                throw new IllegalArgumentException("batch sequence: block " + block + " of its table is outside the "
                        + blocks + " blocks of " + blockSize + " rows of its pool (" + poolK.rows() + " rows)");
            }
        }
    }

    /** The positions its table holds: all of a global layer's, the last ones of a local ring. */
    public int capacity() {
        return table.length * blockSize;
    }

    /** The row of the pool tensors that holds {@code position}. */
    public int row(int position) {
        return table[(position / blockSize) % table.length] * blockSize + position % blockSize;
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

    /**
     * {@link #checkCovers} for attention, and that each table holds what the mask lets its rows
     * see and the cache write after it keeps: every position of a global layer ({@code window}
     * 0), the last {@code window} of a local one.
     */
    public static void checkAttention(List<BatchSequence> sequences, int rows, int window) {
        checkCovers(sequences, rows, "attention");
        for (BatchSequence s : sequences) {
            int positions = s.past + s.rows;
            int needed = window > 0 ? Math.min(positions, window) : positions;
            if (s.capacity() < needed) {
                throw new IllegalArgumentException("attention: the sequence at rows " + s.firstRow + "…"
                        + (s.firstRow + s.rows - 1) + " has a table of " + s.table.length + " blocks (" + s.capacity()
                        + " positions); its " + positions + " positions need " + needed
                        + (window > 0 ? " in a window of " + window : ""));
            }
        }
    }
}
