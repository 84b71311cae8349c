package dev.gptneo.kernels;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Block tables as a pool that has served many sequences leaves them: every sequence's blocks
 * are drawn from shuffled ids of a pool with some blocks to spare, so they are neither
 * contiguous nor in order, and neither are they the first ids. A global layer's table has a
 * block for each of its positions; a local layer's is a ring of at most
 * {@code ceil(window / blockSize)} blocks, which sequences longer than it wrap.
 *
 * @param blocks the pool's blocks, of {@code blockSize} rows each
 */
public record ScatteredTables(int blocks, int blockSize, int[][] tables) {

    /** Blocks of the pool that no table uses. */
    private static final int SPARE = 3;

    /** Tables for sequences of {@code positions[i]} positions, for a layer of {@code window} (0: global). */
    public static ScatteredTables of(Random random, int blockSize, int window, int... positions) {
        int[] lengths = new int[positions.length];
        int used = 0;
        for (int i = 0; i < positions.length; i++) {
            int all = Math.ceilDiv(positions[i], blockSize);
            lengths[i] = window > 0 ? Math.min(all, Math.ceilDiv(window, blockSize)) : all;
            used += lengths[i];
        }
        List<Integer> ids = new ArrayList<>();
        for (int id = 0; id < used + SPARE; id++) {
            ids.add(id);
        }
        Collections.shuffle(ids, random);
        int[][] tables = new int[positions.length][];
        for (int i = 0, next = 0; i < positions.length; i++) {
            tables[i] = new int[lengths[i]];
            for (int j = 0; j < lengths[i]; j++) {
                tables[i][j] = ids.get(next++);
            }
        }
        return new ScatteredTables(used + SPARE, blockSize, tables);
    }

    /** The rows of a pool tensor for these tables. */
    public int poolRows() {
        return blocks * blockSize;
    }

    /** Sequence i's rows of a batch, at its positions {@code past…}, in the pools given. */
    public BatchSequence sequence(int i, int firstRow, int rows, int past, Tensor poolK, Tensor poolV) {
        return new BatchSequence(firstRow, rows, past, poolK, poolV, tables[i], blockSize);
    }
}
