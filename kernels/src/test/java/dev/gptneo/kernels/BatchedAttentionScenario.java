package dev.gptneo.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A batch of several sequences through {@link Backend#attention} and {@link Backend#cacheWrite},
 * as the model runs them, for comparing a backend with the scalar reference on the same random
 * data: the sequences' earlier positions reach their blocks in one batched write, their
 * {@code rows} fresh rows are attended and written in one batch, then one decode row each is
 * attended in another batch, which reads back what the batched writes stored. The sequences
 * share one pool, their blocks scattered through it ({@link ScatteredTables}).
 *
 * @param blockSize positions per block of the pool
 * @param past per sequence, the positions already in its cache
 * @param rows per sequence, its fresh rows in the batch
 */
public record BatchedAttentionScenario(int heads, int headDim, int window, int blockSize, int[] past, int[] rows) {

    /**
     * One-row sequences next to sequences of many rows, rows crossing the vector kernels' blocks
     * of four queries and eight or sixteen key lanes, runs of positions crossing the pool's
     * blocks (of the model's 16 positions, and of sizes that are not a multiple of the vector
     * lanes), and local rings wrapped by the earlier positions and by the fresh rows themselves.
     */
    public static Stream<BatchedAttentionScenario> cases() {
        return Stream.of(
                new BatchedAttentionScenario(2, 16, 0, 4, new int[] {0, 3, 0, 7}, new int[] {5, 1, 1, 9}),
                new BatchedAttentionScenario(3, 20, 4, 2, new int[] {6, 0, 2, 9}, new int[] {1, 7, 3, 1}),
                new BatchedAttentionScenario(2, 64, 8, 16, new int[] {21, 0, 45}, new int[] {13, 1, 2}),
                new BatchedAttentionScenario(2, 33, 6, 4, new int[] {0, 13, 4, 1, 30}, new int[] {18, 5, 1, 1, 17}),
                new BatchedAttentionScenario(1, 9, 3, 3, new int[] {0, 5, 1}, new int[] {1, 1, 1}),
                new BatchedAttentionScenario(4, 7, 0, 5, new int[] {11}, new int[] {6}),
                new BatchedAttentionScenario(2, 64, 0, 16, new int[] {40, 17, 0}, new int[] {3, 20, 35}),
                new BatchedAttentionScenario(2, 64, 40, 16, new int[] {90, 3}, new int[] {1, 50}));
    }

    public int hidden() {
        return heads * headDim;
    }

    /** The fresh batch's attention output, then the decode batch's, as one array. */
    public float[] run(Backend b) {
        Random random = new Random(Arrays.hashCode(past) * 31L + Arrays.hashCode(rows) + window * 7L + blockSize);
        int n = past.length;
        int hidden = hidden();
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = past[i] + rows[i] + 1;
        }
        ScatteredTables tables = ScatteredTables.of(random, blockSize, window, positions);
        Tensor poolK = b.allocate(tables.poolRows(), hidden);
        Tensor poolV = b.allocate(tables.poolRows(), hidden);
        // A sequence of no past writes one row too (every sequence has a row): it lands at
        // position 0, which the sequence's fresh rows then overwrite.
        int[] earlier = Arrays.stream(past).map(p -> Math.max(p, 1)).toArray();
        List<BatchSequence> filled = layout(tables, earlier, new int[n], poolK, poolV);
        int earlierRows = Arrays.stream(earlier).sum();
        Tensor earlierK = filled(b, earlierRows, random);
        Tensor earlierV = filled(b, earlierRows, random);
        b.cacheWrite(earlierK, earlierV, filled, heads);

        int fresh = Arrays.stream(rows).sum();
        float[] first = attend(b, layout(tables, rows, past, poolK, poolV), fresh, random);
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = past[i] + rows[i];
        }
        int[] ones = new int[n];
        Arrays.fill(ones, 1);
        float[] decode = attend(b, layout(tables, ones, next, poolK, poolV), n, random);
        float[] all = Arrays.copyOf(first, first.length + decode.length);
        System.arraycopy(decode, 0, all, first.length, decode.length);
        return all;
    }

    /** Attention of {@code total} random rows laid out as {@code sequences}, then their cache writes. */
    private float[] attend(Backend b, List<BatchSequence> sequences, int total, Random random) {
        Tensor q = filled(b, total, random);
        Tensor k = filled(b, total, random);
        Tensor v = filled(b, total, random);
        Tensor out = b.allocate(total, hidden());
        b.attention(q, k, v, sequences, heads, window, out);
        b.cacheWrite(k, v, sequences, heads);
        float[] result = new float[total * hidden()];
        b.read(out, result);
        return result;
    }

    private static List<BatchSequence> layout(ScatteredTables tables, int[] rows, int[] past, Tensor poolK,
                                              Tensor poolV) {
        List<BatchSequence> sequences = new ArrayList<>();
        for (int i = 0, row = 0; i < rows.length; row += rows[i], i++) {
            sequences.add(tables.sequence(i, row, rows[i], past[i], poolK, poolV));
        }
        return sequences;
    }

    private Tensor filled(Backend b, int total, Random random) {
        Tensor t = b.allocate(total, hidden());
        b.write(t, RandomTensors.floats(random, total * hidden()));
        return t;
    }

    @Override
    public String toString() {
        return "heads " + heads + ", headDim " + headDim + ", window " + window + ", blocks of " + blockSize + ", past "
                + Arrays.toString(past) + ", rows " + Arrays.toString(rows);
    }
}
