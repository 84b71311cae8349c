package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import dev.gptneo.kernels.BatchSequence;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Causal multi-head attention without 1/sqrt(d) scaling (GPT-Neo), global or windowed. One
 * instance per backend, reused for every call.
 *
 * <p>A pool of the paged cache ({@link BatchSequence}) keeps each head's rows together, as
 * Hugging Face's {@code [heads][positions][head_dim]} does within a sequence: a pool of R rows
 * is laid out {@code [head][row][dim]}, head h's R rows one after another. Decode reads a
 * sequence's whole cache once per token, so each head's keys and values must be streams (head
 * slices of position-major rows, 256 bytes every 3 KB, stream far slower): a block's rows of a
 * head are one run, and the blocks a sequence took one after another (the usual case, as a
 * pool hands out consecutive ids while it has them) are one longer run, read as one. Rows laid
 * out block by block instead ({@code [block][head][16][dim]}) made 125M's decode 1–6 % slower
 * in alternating runs (presumably as a head's 4 KB runs, 48 KB apart, keep the prefetchers
 * from streaming); this layout is as fast as the cache before paging. Keys are kept transposed
 * in groups of {@code LENGTH} rows ({@link #writeKey}), and a call transposes its fresh rows
 * the same way once: a score vector is then one group, built by broadcast-and-FMA over the
 * head's dimensions with no lane reduction per position. Queries are taken {@link #BLOCK} at a
 * time: every key and value vector loaded serves the whole block (the weighted sum of values
 * is an {@link OuterProduct} of the probabilities and the value rows), which keeps prefill FMA
 * bound rather than load bound. Positions a query of the block must not see get probability 0.
 *
 * <p>A batch may hold several sequences, each attending to its own blocks. The work items are
 * (sequence, query block, head) triples, claimed by the workers as they go: later rows attend to
 * more positions, so a fixed split would leave one worker idle. A sequence of one row is one
 * block of one query per head, which is the decode kernel, whatever else is in the batch.
 */
final class Attention implements WorkerPool.Task {

    /** Queries attended together. */
    private static final int BLOCK = 4;

    /** Per worker: {@link #BLOCK} rows of scores, then probabilities, for the visible positions. */
    private final float[][] scores;
    /** Per worker: the block's weighted sums of values, {@link #BLOCK} rows of headDim. */
    private final float[][] sums;
    /** Per worker: each query's 1 / sum of its exponentials. */
    private final float[][] norms;
    /**
     * Per worker: the cached positions of the block in progress as runs of consecutive pool
     * rows, two ints a run: its first row, its length.
     */
    private final int[][] runs;
    /** This call's keys and values, laid out as the cache keeps them. */
    private float[] keysT = new float[0];
    private float[] valuesT = new float[0];

    // The operands of the call in progress.
    private float[] q;
    private float[] keys;
    private float[] values;
    private float[] out;
    private int heads;
    private int headDim;
    private int window;
    private int hidden;
    private int chunks;
    /** The longest span of positions any block of the call sees. */
    private int longest;
    // Per sequence of the call (grown on demand): its rows in the batch, positions and blocks.
    private int sequences;
    private int[] firstRow = new int[0];
    private int[] rowsOf = new int[0];
    private int[] pastOf = new int[0];
    /** Its block table: where its cached positions lie in the pools. */
    private BatchSequence[] tablesOf = new BatchSequence[0];
    private float[][] poolKOf = new float[0][];
    private float[][] poolVOf = new float[0][];
    /** Where each sequence's work items start; {@code itemStart[sequences]} is their total. */
    private int[] itemStart = new int[1];

    Attention(int workers) {
        scores = new float[workers][];
        sums = new float[workers][];
        norms = new float[workers][BLOCK];
        runs = new int[workers][0];
    }

    /**
     * Stores each sequence's fresh keys and values at its positions {@code past…} in the pool
     * rows its table gives them ({@code [head][row][dim]}, keys grouped as {@link #writeKey}
     * says). Only a sequence's last {@code capacity} rows remain when it has more (a local ring).
     */
    static void cacheWrite(FloatRows k, FloatRows v, List<BatchSequence> sequences, int heads) {
        int hidden = k.cols();
        BatchSequence.checkCovers(sequences, k.rows(), "cacheWrite");
        for (BatchSequence s : sequences) {
            FloatRows poolK = VectorBackend.activation(s.poolK());
            FloatRows poolV = VectorBackend.activation(s.poolV());
            if (heads < 1 || hidden % heads != 0 || v.rows() != k.rows() || v.cols() != hidden
                    || poolK.cols() != hidden || poolV.cols() != hidden || poolV.rows() != poolK.rows()) {
                throw new IllegalArgumentException("cacheWrite shapes: k " + k.rows() + "x" + hidden + ", v "
                        + v.rows() + "x" + v.cols() + ", pool " + poolK.rows() + "x" + poolK.cols() + " and "
                        + poolV.rows() + "x" + poolV.cols() + ", heads " + heads);
            }
            int headDim = hidden / heads;
            int poolRows = poolK.rows();
            for (int r = Math.max(0, s.rows() - s.capacity()); r < s.rows(); r++) {
                int slot = s.row(s.past() + r);
                int row = s.firstRow() + r;
                writeValue(v.data(), row, hidden, headDim, poolV.data(), 0, slot, poolRows);
                writeKey(k.data(), row, hidden, headDim, poolK.data(), 0, slot, poolRows);
            }
        }
    }

    /**
     * Copies row r of {@code v} into slot {@code slot} of the values at {@code dst[origin…]} of
     * {@code slots} slots, {@code [head][slot][dim]}.
     */
    private static void writeValue(float[] v, int r, int hidden, int headDim, float[] dst, int origin, int slot,
                                   int slots) {
        for (int h = 0; h < hidden / headDim; h++) {
            System.arraycopy(v, r * hidden + h * headDim, dst, origin + (h * slots + slot) * headDim, headDim);
        }
    }

    /**
     * Copies row r of {@code k} into slot {@code slot} of the blocked keys at {@code dst[origin…]}
     * of {@code slots} slots. Per head, slots go in blocks of {@code LENGTH} (the last one maybe
     * narrower), each block dimension-major, so that one vector load is a dimension of a whole
     * block: dimension d of head h at slot s lies at
     * {@code origin + (h·slots + blockStart)·headDim + d·width + s - blockStart}.
     */
    private static void writeKey(float[] k, int r, int hidden, int headDim, float[] dst, int origin, int slot,
                                 int slots) {
        int blockStart = slot - slot % LENGTH;
        int width = Math.min(LENGTH, slots - blockStart);
        for (int c = 0, h = 0; h < hidden / headDim; h++) {
            for (int at = origin + (h * slots + blockStart) * headDim + slot - blockStart, end = c + headDim; c < end; c++, at += width) {
                dst[at] = k[r * hidden + c];
            }
        }
    }

    void attend(WorkerPool pool, FloatRows q, FloatRows k, FloatRows v, List<BatchSequence> batch,
                int heads, int window, FloatRows out) {
        if (q.cols() % heads != 0 || k.cols() != q.cols() || v.cols() != q.cols() || out.cols() != q.cols()
                || k.rows() != q.rows() || v.rows() != q.rows() || out.rows() != q.rows()) {
            throw new IllegalArgumentException("attention shapes: q " + q.rows() + "x" + q.cols() + ", k "
                    + k.rows() + "x" + k.cols() + ", v " + v.rows() + "x" + v.cols() + ", out " + out.rows()
                    + "x" + out.cols() + ", heads " + heads);
        }
        BatchSequence.checkAttention(batch, q.rows(), window);
        this.q = q.data();
        this.out = out.data();
        this.heads = heads;
        this.headDim = q.cols() / heads;
        this.window = window;
        this.hidden = q.cols();
        describe(batch);
        arrangeFresh(k.data(), v.data());
        chunks = Math.min(itemStart[sequences], WorkerPool.MAX_CHUNKS);
        try {
            pool.run(chunks, this);
        } finally {
            this.q = this.keys = this.values = this.out = null;
            Arrays.fill(tablesOf, null);
            Arrays.fill(poolKOf, null);
            Arrays.fill(poolVOf, null);
        }
    }

    /** Copies the batch's layout into the per-sequence arrays, with each sequence's first work item. */
    private void describe(List<BatchSequence> batch) {
        sequences = batch.size();
        if (firstRow.length < sequences) {
            firstRow = new int[sequences];
            rowsOf = new int[sequences];
            pastOf = new int[sequences];
            tablesOf = new BatchSequence[sequences];
            poolKOf = new float[sequences][];
            poolVOf = new float[sequences][];
            itemStart = new int[sequences + 1];
        }
        longest = 0;
        for (int i = 0; i < sequences; i++) {
            BatchSequence s = batch.get(i);
            FloatRows poolK = VectorBackend.activation(s.poolK());
            FloatRows poolV = VectorBackend.activation(s.poolV());
            if (poolK.cols() != hidden || poolV.cols() != hidden || poolV.rows() != poolK.rows()) {
                throw new IllegalArgumentException("attention shapes: hidden " + hidden + ", pool of sequence "
                        + i + " " + poolK.rows() + "x" + poolK.cols() + " and " + poolV.rows() + "x"
                        + poolV.cols());
            }
            firstRow[i] = s.firstRow();
            rowsOf[i] = s.rows();
            pastOf[i] = s.past();
            tablesOf[i] = s;
            poolKOf[i] = poolK.data();
            poolVOf[i] = poolV.data();
            itemStart[i + 1] = itemStart[i] + Math.ceilDiv(s.rows(), BLOCK) * heads;
            int total = s.past() + s.rows();
            longest = Math.max(longest, window > 0 ? Math.min(window + BLOCK - 1, total) : total);
        }
    }

    /**
     * This call's keys and values as the cache keeps them: each sequence's rows as slots
     * 0…rows-1 of a cache of its own, from its first row's offset. A one-row sequence's row is
     * that already, so a batch of them (decode) is used as it is.
     */
    private void arrangeFresh(float[] k, float[] v) {
        int rows = firstRow[sequences - 1] + rowsOf[sequences - 1];
        if (rows == sequences) {
            keys = k;
            values = v;
            return;
        }
        if (keysT.length < rows * hidden) {
            keysT = new float[rows * hidden];
            valuesT = new float[rows * hidden];
        }
        for (int i = 0; i < sequences; i++) {
            int origin = firstRow[i] * hidden;
            for (int r = 0; r < rowsOf[i]; r++) {
                writeKey(k, firstRow[i] + r, hidden, headDim, keysT, origin, r, rowsOf[i]);
                writeValue(v, firstRow[i] + r, hidden, headDim, valuesT, origin, r, rowsOf[i]);
            }
        }
        keys = keysT;
        values = valuesT;
    }

    /** Items go sequence by sequence, then head by head, so that a worker's next block reads the keys and values still in its cache. */
    @Override
    public void run(int worker, int chunk) {
        if (scores[worker] == null || scores[worker].length < BLOCK * longest) {
            scores[worker] = new float[BLOCK * longest];
        }
        if (sums[worker] == null || sums[worker].length < BLOCK * headDim) {
            sums[worker] = new float[BLOCK * headDim];
        }
        int items = itemStart[sequences];
        int from = (int) ((long) items * chunk / chunks);
        int to = (int) ((long) items * (chunk + 1) / chunks);
        int seq = 0;
        for (int item = from; item < to; item++) {
            while (itemStart[seq + 1] <= item) {
                seq++;
            }
            int blocks = Math.ceilDiv(rowsOf[seq], BLOCK);
            int local = item - itemStart[seq];
            attendBlock(worker, seq, local % blocks * BLOCK, local / blocks);
        }
    }

    /** The first position row {@code r} of a sequence whose rows start at position {@code past} may see. */
    private int first(int past, int r) {
        return window > 0 ? Math.max(0, past + r - window + 1) : 0;
    }

    /**
     * Rows {@code r0…} (up to {@link #BLOCK}) of sequence {@code seq}, head h: softmax of the
     * scores, then the weighted sum of values.
     */
    private void attendBlock(int worker, int seq, int r0, int h) {
        int rows = rowsOf[seq];
        int past = pastOf[seq];
        int poolRows = tablesOf[seq].poolK().rows();
        int row0 = firstRow[seq] + r0; // the block's first row in the batch
        int origin = firstRow[seq] * hidden; // where the sequence's fresh keys and values start
        int count = Math.min(BLOCK, rows - r0);
        int lo = first(past, r0);
        int hi = past + r0 + count - 1;
        int span = hi - lo + 1;
        float[] s = scores[worker];
        float[] sum = sums[worker];
        float[] norm = norms[worker];

        // Positions lo…past-1 lie in the pool rows of the sequence's blocks, in runs; the rest are fresh.
        int cached = Math.max(0, Math.min(past, hi + 1) - lo);
        int fresh = lo + cached - past;
        int cachedRuns = cachedRuns(worker, seq, lo, cached);
        int[] run = runs[worker];
        float[] poolK = poolKOf[seq];
        for (int i = 0, at = 0; i < cachedRuns; at += run[2 * i + 1], i++) {
            score(poolK, poolRows, 0, run[2 * i], run[2 * i + 1], h, row0, count, s, span, at);
        }
        score(keys, rows, origin, fresh, span - cached, h, row0, count, s, span, cached);
        for (int qq = 0; qq < count; qq++) {
            int row = qq * span;
            int from = first(past, r0 + qq) - lo;
            int to = r0 + qq + past - lo + 1;
            Arrays.fill(s, row, row + from, 0f);
            Arrays.fill(s, row + to, row + span, 0f);
            norm[qq] = 1 / VectorMath.expShifted(s, row + from, to - from, VectorMath.max(s, row + from, to - from));
        }
        Arrays.fill(sum, 0, count * headDim, 0f);
        float[] poolV = poolVOf[seq];
        for (int i = 0, at = 0; i < cachedRuns; at += run[2 * i + 1], i++) {
            sumValues(poolV, poolRows, 0, run[2 * i], run[2 * i + 1], h, count, s, span, at, sum);
        }
        sumValues(values, rows, origin, fresh, span - cached, h, count, s, span, cached, sum);
        for (int qq = 0; qq < count; qq++) {
            int o = (row0 + qq) * hidden + h * headDim;
            for (int d = 0; d < headDim; d += LENGTH) {
                VectorMask<Float> m = FLOATS.indexInRange(d, headDim);
                FloatVector.fromArray(FLOATS, sum, qq * headDim + d, m).mul(norm[qq]).intoArray(out, o + d, m);
            }
        }
    }

    /**
     * Cached positions {@code lo … lo+cached-1} of sequence {@code seq} as runs of consecutive
     * pool rows, into {@code runs[worker]} (grown if need be); returns how many. A block whose
     * rows follow the last run's extends it. It walks {@link BatchSequence#row}'s formula block
     * by block, so that only the first block costs a division: a decode step's scan of a long
     * sequence touches dozens of blocks per head.
     */
    private int cachedRuns(int worker, int seq, int lo, int cached) {
        BatchSequence tables = tablesOf[seq];
        int size = tables.blockSize();
        int[] table = tables.table();
        if (runs[worker].length < 2 * (cached / size + 2)) {
            runs[worker] = new int[2 * (cached / size + 2)];
        }
        int[] run = runs[worker];
        int count = 0;
        for (int p = lo, end = lo + cached, entry = p / size % table.length, slot = p % size; p < end; ) {
            int n = Math.min(size - slot, end - p);
            int row = table[entry] * size + slot;
            if (count > 0 && run[2 * count - 2] + run[2 * count - 1] == row) {
                run[2 * count - 1] += n;
            } else {
                run[2 * count] = row;
                run[2 * count + 1] = n;
                count++;
            }
            p += n;
            slot = 0;
            entry = entry + 1 == table.length ? 0 : entry + 1;
        }
        return count;
    }

    /**
     * Scores of the block's queries (batch rows {@code r0…}, head h) against the {@code n}
     * positions in slots {@code from…} of the blocked keys at {@code kt[origin…]} ({@code slots} slots), into
     * {@code s[qq·span + at …]}: a block of slots at a time, masked where a run starts or ends
     * inside one.
     */
    private void score(float[] kt, int slots, int origin, int from, int n, int h, int r0, int count, float[] s,
                       int span, int at) {
        int qo = r0 * hidden + h * headDim;
        for (int slot = from, end = from + n; slot < end; ) {
            int blockStart = slot - slot % LENGTH;
            int width = Math.min(LENGTH, slots - blockStart);
            int lanes = Math.min(blockStart + width, end) - slot;
            int base = origin + (h * slots + blockStart) * headDim + slot - blockStart;
            int o = at + slot - from;
            if (count == BLOCK) {
                score4(kt, base, width, lanes, qo, s, o, span);
            } else {
                for (int qq = 0; qq < count; qq++) {
                    score1(kt, base, width, lanes, qo + qq * hidden, s, qq * span + o);
                }
            }
            slot += lanes;
        }
    }

    /**
     * Four queries from {@code qo} (stride hidden) against the first {@code lanes} slots of one
     * block: dimension d at {@code base + d·width}. Full blocks take plain loads; the mask for a
     * partial one is made here, not passed in (a mask passed to a call C2 does not inline is
     * boxed), and only then: masked loads behind {@code indexInRange} made prefill attention
     * much slower in some compilations (not understood; docs/performance-notes.md).
     */
    private void score4(float[] kt, int base, int width, int lanes, int qo, float[] s, int o, int span) {
        int q1 = qo + hidden, q2 = q1 + hidden, q3 = q2 + hidden;
        FloatVector a = FloatVector.zero(FLOATS), b = a, c = a, e = a;
        if (lanes == LENGTH) {
            for (int d = 0, at = base; d < headDim; d++, at += width) {
                FloatVector key = FloatVector.fromArray(FLOATS, kt, at);
                a = FloatVector.broadcast(FLOATS, q[qo + d]).fma(key, a);
                b = FloatVector.broadcast(FLOATS, q[q1 + d]).fma(key, b);
                c = FloatVector.broadcast(FLOATS, q[q2 + d]).fma(key, c);
                e = FloatVector.broadcast(FLOATS, q[q3 + d]).fma(key, e);
            }
            a.intoArray(s, o);
            b.intoArray(s, o + span);
            c.intoArray(s, o + 2 * span);
            e.intoArray(s, o + 3 * span);
            return;
        }
        VectorMask<Float> m = FLOATS.indexInRange(0, lanes);
        for (int d = 0, at = base; d < headDim; d++, at += width) {
            FloatVector key = FloatVector.fromArray(FLOATS, kt, at, m);
            a = FloatVector.broadcast(FLOATS, q[qo + d]).fma(key, a);
            b = FloatVector.broadcast(FLOATS, q[q1 + d]).fma(key, b);
            c = FloatVector.broadcast(FLOATS, q[q2 + d]).fma(key, c);
            e = FloatVector.broadcast(FLOATS, q[q3 + d]).fma(key, e);
        }
        a.intoArray(s, o, m);
        b.intoArray(s, o + span, m);
        c.intoArray(s, o + 2 * span, m);
        e.intoArray(s, o + 3 * span, m);
    }

    /** One query at {@code qo} against one block, as {@link #score4}; a full block in four chains over the dimensions. */
    private void score1(float[] kt, int base, int width, int lanes, int qo, float[] s, int o) {
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        int d = 0;
        if (lanes == LENGTH) {
            for (int at = base; d + 4 <= headDim; d += 4, at += 4 * width) {
                a0 = FloatVector.broadcast(FLOATS, q[qo + d]).fma(FloatVector.fromArray(FLOATS, kt, at), a0);
                a1 = FloatVector.broadcast(FLOATS, q[qo + d + 1]).fma(FloatVector.fromArray(FLOATS, kt, at + width), a1);
                a2 = FloatVector.broadcast(FLOATS, q[qo + d + 2]).fma(FloatVector.fromArray(FLOATS, kt, at + 2 * width), a2);
                a3 = FloatVector.broadcast(FLOATS, q[qo + d + 3]).fma(FloatVector.fromArray(FLOATS, kt, at + 3 * width), a3);
            }
            for (; d < headDim; d++) {
                a0 = FloatVector.broadcast(FLOATS, q[qo + d]).fma(FloatVector.fromArray(FLOATS, kt, base + d * width), a0);
            }
            a0.add(a1).add(a2.add(a3)).intoArray(s, o);
            return;
        }
        VectorMask<Float> m = FLOATS.indexInRange(0, lanes);
        for (; d < headDim; d++) {
            a0 = FloatVector.broadcast(FLOATS, q[qo + d]).fma(FloatVector.fromArray(FLOATS, kt, base + d * width, m), a0);
        }
        a0.intoArray(s, o, m);
    }

    /**
     * Adds to {@code sum} the block's probabilities ({@code s[qq·span + at …]}) times the
     * {@code n} value rows in slots {@code from…} of the values at {@code vt[origin…]} ({@code slots}
     * slots, head-major):
     * an outer product over the positions, {@link OuterProduct#WIDTH} dimensions at a time,
     * accumulated in {@code sum} itself.
     */
    private void sumValues(float[] vt, int slots, int origin, int from, int n, int h, int count, float[] s, int span,
                           int at, float[] sum) {
        if (n <= 0) {
            return;
        }
        int base = origin + (h * slots + from) * headDim;
        int d = 0;
        for (; d + OuterProduct.WIDTH <= headDim; d += OuterProduct.WIDTH) {
            if (count == BLOCK) {
                OuterProduct.rows4(s, at, span, vt, base + d, headDim, n, sum, d, headDim);
            } else {
                for (int qq = 0; qq < count; qq++) {
                    OuterProduct.row1(s, qq * span + at, vt, base + d, headDim, n, sum, qq * headDim + d);
                }
            }
        }
        for (; d < headDim; d += LENGTH) {
            for (int qq = 0; qq < count; qq++) {
                sumTail(vt, base, n, s, qq * span + at, sum, qq * headDim, d);
            }
        }
    }

    /** One query, the output vector at dimension d, masked past headDim: head sizes that are not a multiple of four vectors. */
    private void sumTail(float[] vt, int base, int n, float[] s, int so, float[] sum, int to, int d) {
        VectorMask<Float> m = FLOATS.indexInRange(d, headDim);
        FloatVector a = FloatVector.zero(FLOATS);
        for (int p = 0, row = base + d; p < n; p++, row += headDim) {
            a = FloatVector.fromArray(FLOATS, vt, row, m).fma(FloatVector.broadcast(FLOATS, s[so + p]), a);
        }
        a.add(FloatVector.fromArray(FLOATS, sum, to + d, m)).intoArray(sum, to + d, m);
    }
}
