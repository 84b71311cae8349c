package dev.gptneo.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The rows of one forward pass over several sequences ({@link GptNeoModel#forward(Batch, float[][])}),
 * as llama.cpp's {@code llama_batch}: each row is a token id at a position of a sequence (its
 * {@link KvCache}), and says whether its logits are wanted. A sequence's rows are contiguous and
 * at consecutive positions; the model checks that they continue where the cache ends.
 *
 * <pre>{@code
 * Batch step = Batch.builder()
 *         .add(promptCache, promptIds, Batch.Logits.LAST)  // a new sequence's prefill
 *         .add(cacheA, new int[] {nextA}, Batch.Logits.LAST) // other sequences' decode rows
 *         .add(cacheB, new int[] {nextB}, Batch.Logits.LAST)
 *         .build();
 * float[][] logits = new float[step.logitRows()][vocab];   // in row order: prompt, A, B
 * model.forward(step, logits);
 * }</pre>
 */
public final class Batch {

    /** Which of the rows given together want their logits. */
    public enum Logits {
        NONE, LAST, ALL
    }

    /** One sequence's run of rows, {@code firstRow … firstRow+rows-1}. */
    record Sequence(KvCache cache, int firstRow, int rows) {
    }

    private final int[] ids;
    private final int[] positions;
    private final boolean[] wantsLogits;
    private final List<Sequence> sequences;
    private final int logitRows;

    private Batch(int[] ids, int[] positions, boolean[] wantsLogits, List<Sequence> sequences) {
        this.ids = ids;
        this.positions = positions;
        this.wantsLogits = wantsLogits;
        this.sequences = sequences;
        int wanted = 0;
        for (boolean w : wantsLogits) {
            wanted += w ? 1 : 0;
        }
        this.logitRows = wanted;
    }

    /** {@code ids} at the next positions of {@code cache}, with the logits of the last. */
    public static Batch of(KvCache cache, int[] ids) {
        return builder().add(cache, ids, Logits.LAST).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int rows() {
        return ids.length;
    }

    /** How many rows want logits: the length of the array {@code forward} fills. */
    public int logitRows() {
        return logitRows;
    }

    int[] ids() {
        return ids;
    }

    int[] positions() {
        return positions;
    }

    boolean wantsLogits(int row) {
        return wantsLogits[row];
    }

    List<Sequence> sequences() {
        return sequences;
    }

    /** Collects rows in order; {@link #build} checks how they group into sequences. */
    public static final class Builder {
        private final List<KvCache> caches = new ArrayList<>();
        private int[] ids = new int[8];
        private int[] positions = new int[8];
        private boolean[] wantsLogits = new boolean[8];

        private Builder() {
        }

        /** One row: {@code id} at {@code position} of the sequence whose cache is {@code cache}. */
        public Builder row(KvCache cache, int id, int position, boolean wantsLogits) {
            Objects.requireNonNull(cache, "a batch row needs its sequence's cache");
            int r = caches.size();
            if (r == ids.length) {
                ids = Arrays.copyOf(ids, 2 * r);
                positions = Arrays.copyOf(positions, 2 * r);
                this.wantsLogits = Arrays.copyOf(this.wantsLogits, 2 * r);
            }
            caches.add(cache);
            ids[r] = id;
            positions[r] = position;
            this.wantsLogits[r] = wantsLogits;
            return this;
        }

        /**
         * {@code ids} at the next positions of {@code cache}: after the rows just added for it,
         * else where the cache ends.
         */
        public Builder add(KvCache cache, int[] ids, Logits logits) {
            int last = caches.size() - 1;
            int next = last >= 0 && caches.get(last) == cache ? positions[last] + 1 : cache.length();
            for (int i = 0; i < ids.length; i++) {
                boolean wanted = logits == Logits.ALL || (logits == Logits.LAST && i == ids.length - 1);
                row(cache, ids[i], next + i, wanted);
            }
            return this;
        }

        /**
         * @throws IllegalArgumentException when there are no rows, a sequence's rows are not
         *     contiguous (its cache appears again after another's rows) or not at consecutive positions
         */
        public Batch build() {
            int rows = caches.size();
            if (rows == 0) {
                throw new IllegalArgumentException("no tokens to process: a batch needs at least one row");
            }
            List<Sequence> sequences = new ArrayList<>();
            Map<KvCache, Sequence> seen = new IdentityHashMap<>();
            int start = 0;
            for (int r = 1; r <= rows; r++) {
                if (r < rows && caches.get(r) == caches.get(r - 1)) {
                    if (positions[r] != positions[r - 1] + 1) {
                        throw new IllegalArgumentException("row " + r + " is at position " + positions[r]
                                + " after position " + positions[r - 1] + " of its sequence (a sequence's rows are"
                                + " at consecutive positions)");
                    }
                    continue;
                }
                Sequence s = new Sequence(caches.get(start), start, r - start);
                Sequence earlier = seen.put(s.cache(), s);
                if (earlier != null) {
                    throw new IllegalArgumentException("rows " + start + "…" + (r - 1) + " use the cache of rows "
                            + earlier.firstRow() + "…" + (earlier.firstRow() + earlier.rows() - 1)
                            + " again (a sequence's rows must be contiguous: one run per cache)");
                }
                sequences.add(s);
                start = r;
            }
            return new Batch(Arrays.copyOf(ids, rows), Arrays.copyOf(positions, rows),
                    Arrays.copyOf(wantsLogits, rows), List.copyOf(sequences));
        }
    }
}
