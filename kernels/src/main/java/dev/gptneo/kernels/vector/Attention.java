package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Causal multi-head attention without 1/sqrt(d) scaling (GPT-Neo), global or windowed. One
 * instance per backend, reused for every call.
 *
 * <p>The cache keeps each head's positions together, as Hugging Face's {@code [heads][positions]
 * [head_dim]} does: decode reads the whole cache once per token, so each head's keys and values
 * must be one stream each (head slices of position-major rows, 256 bytes every 3 KB, read at
 * half the speed, measured). Keys are kept transposed in blocks of {@code LENGTH} positions
 * ({@link #writeKey}), and a call transposes its fresh rows the same way once: a score vector
 * is then one block, built by broadcast-and-FMA over the head's dimensions with no lane
 * reduction per position. Queries are taken {@link #BLOCK} at a time: every key and
 * value vector loaded serves the whole block, which keeps prefill FMA bound rather than load
 * bound. Positions a query of the block must not see get probability 0.
 *
 * <p>The work items are (query block, head) pairs, claimed by the workers as they go: later
 * rows attend to more positions, so a fixed split would leave one worker idle.
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
    /** This call's keys and values, laid out as the cache keeps them. */
    private float[] keysT = new float[0];
    private float[] valuesT = new float[0];

    // The operands of the call in progress.
    private float[] q;
    private float[] keys;
    private float[] values;
    private float[] cacheK;
    private float[] cacheV;
    private float[] out;
    private int rows;
    private int past;
    private int heads;
    private int headDim;
    private int window;
    private int hidden;
    private int capacity;
    private int chunks;

    Attention(int workers) {
        scores = new float[workers][];
        sums = new float[workers][];
        norms = new float[workers][BLOCK];
    }

    /**
     * Stores fresh keys and values at positions {@code past…} in a layer's cache, head by head
     * ({@code [head][slot][dim]}, keys blocked as {@link #writeKey} says); slot = position mod
     * capacity. Only the last {@code capacity} rows remain when there are more.
     */
    static void cacheWrite(Activation k, Activation v, Activation cacheK, Activation cacheV, int past, int heads) {
        int rows = k.rows();
        int hidden = k.cols();
        int headDim = hidden / heads;
        int capacity = cacheK.rows();
        for (int r = Math.max(0, rows - capacity); r < rows; r++) {
            int slot = (past + r) % capacity;
            writeValue(v.data(), r, hidden, headDim, cacheV.data(), slot, capacity);
            writeKey(k.data(), r, hidden, headDim, cacheK.data(), slot, capacity);
        }
    }

    /** Copies row r of {@code v} into slot {@code slot} of values of {@code slots} slots, {@code [head][slot][dim]}. */
    private static void writeValue(float[] v, int r, int hidden, int headDim, float[] dst, int slot, int slots) {
        for (int h = 0; h < hidden / headDim; h++) {
            System.arraycopy(v, r * hidden + h * headDim, dst, (h * slots + slot) * headDim, headDim);
        }
    }

    /**
     * Copies row r of {@code k} into slot {@code slot} of the blocked keys {@code dst} of
     * {@code slots} slots. Per head, slots go in blocks of {@code LENGTH} (the last one maybe
     * narrower), each block dimension-major, so that one vector load is a dimension of a whole
     * block: dimension d of head h at slot s lies at
     * {@code (h·slots + blockStart)·headDim + d·width + s - blockStart}.
     */
    private static void writeKey(float[] k, int r, int hidden, int headDim, float[] dst, int slot, int slots) {
        int blockStart = slot - slot % LENGTH;
        int width = Math.min(LENGTH, slots - blockStart);
        for (int c = 0, h = 0; h < hidden / headDim; h++) {
            for (int at = (h * slots + blockStart) * headDim + slot - blockStart, end = c + headDim; c < end; c++, at += width) {
                dst[at] = k[r * hidden + c];
            }
        }
    }

    void attend(WorkerPool pool, Activation q, Activation k, Activation v, Activation cacheK,
                Activation cacheV, int past, int heads, int window, Activation out) {
        if (q.cols() % heads != 0 || k.cols() != q.cols() || v.cols() != q.cols() || out.cols() != q.cols()
                || k.rows() != q.rows() || v.rows() != q.rows() || out.rows() != q.rows()
                || cacheK.cols() != q.cols() || cacheV.rows() != cacheK.rows()) {
            throw new IllegalArgumentException("attention shapes: q " + q.rows() + "x" + q.cols() + ", k "
                    + k.rows() + "x" + k.cols() + ", v " + v.rows() + "x" + v.cols() + ", cache "
                    + cacheK.rows() + "x" + cacheK.cols() + ", out " + out.rows() + "x" + out.cols()
                    + ", heads " + heads);
        }
        this.q = q.data();
        this.cacheK = cacheK.data();
        this.cacheV = cacheV.data();
        this.out = out.data();
        this.rows = q.rows();
        this.past = past;
        this.heads = heads;
        this.headDim = q.cols() / heads;
        this.window = window;
        this.hidden = q.cols();
        this.capacity = cacheK.rows();
        arrangeFresh(k.data(), v.data());
        int items = Math.ceilDiv(rows, BLOCK) * heads;
        chunks = Math.min(items, WorkerPool.MAX_CHUNKS);
        try {
            pool.run(chunks, this);
        } finally {
            this.q = this.keys = this.values = this.cacheK = this.cacheV = this.out = null;
        }
    }

    /** This call's keys and values as the cache keeps them, in slots 0…rows-1; one row is that already. */
    private void arrangeFresh(float[] k, float[] v) {
        if (rows == 1) {
            keys = k;
            values = v;
            return;
        }
        if (keysT.length < rows * hidden) {
            keysT = new float[rows * hidden];
            valuesT = new float[rows * hidden];
        }
        for (int r = 0; r < rows; r++) {
            writeKey(k, r, hidden, headDim, keysT, r, rows);
            writeValue(v, r, hidden, headDim, valuesT, r, rows);
        }
        keys = keysT;
        values = valuesT;
    }

    /** Items go head by head, so that a worker's next block reads the keys and values still in its cache. */
    @Override
    public void run(int worker, int chunk) {
        // The longest span any block of this call sees: a window's worth plus the block, or all positions.
        int longest = window > 0 ? Math.min(window + BLOCK - 1, past + rows) : past + rows;
        if (scores[worker] == null || scores[worker].length < BLOCK * longest) {
            scores[worker] = new float[BLOCK * longest];
        }
        if (sums[worker] == null || sums[worker].length < BLOCK * headDim) {
            sums[worker] = new float[BLOCK * headDim];
        }
        int blocks = Math.ceilDiv(rows, BLOCK);
        int items = blocks * heads;
        int from = (int) ((long) items * chunk / chunks);
        int to = (int) ((long) items * (chunk + 1) / chunks);
        for (int item = from; item < to; item++) {
            attendBlock(worker, item % blocks * BLOCK, item / blocks);
        }
    }

    /** The first position row {@code r} may see. */
    private int first(int r) {
        return window > 0 ? Math.max(0, past + r - window + 1) : 0;
    }

    /** Rows {@code r0…} (up to {@link #BLOCK}), head h: softmax of the scores, then the weighted sum of values. */
    private void attendBlock(int worker, int r0, int h) {
        int count = Math.min(BLOCK, rows - r0);
        int lo = first(r0);
        int hi = past + r0 + count - 1;
        int span = hi - lo + 1;
        float[] s = scores[worker];
        float[] sum = sums[worker];
        float[] norm = norms[worker];

        // Positions lo…past-1 lie in the cache's ring, in at most two runs of slots; the rest are fresh.
        int cached = Math.max(0, Math.min(past, hi + 1) - lo);
        int slot = lo % capacity;
        int firstRun = Math.min(cached, capacity - slot);
        int fresh = lo + cached - past;
        score(cacheK, capacity, slot, firstRun, h, r0, count, s, span, 0);
        score(cacheK, capacity, 0, cached - firstRun, h, r0, count, s, span, firstRun);
        score(keys, rows, fresh, span - cached, h, r0, count, s, span, cached);
        for (int qq = 0; qq < count; qq++) {
            int row = qq * span;
            int from = first(r0 + qq) - lo;
            int to = r0 + qq + past - lo + 1;
            Arrays.fill(s, row, row + from, 0f);
            Arrays.fill(s, row + to, row + span, 0f);
            norm[qq] = 1 / VectorMath.expShifted(s, row + from, to - from, VectorMath.max(s, row + from, to - from));
        }
        Arrays.fill(sum, 0, count * headDim, 0f);
        sumValues(cacheV, capacity, slot, firstRun, h, count, s, span, 0, sum);
        sumValues(cacheV, capacity, 0, cached - firstRun, h, count, s, span, firstRun, sum);
        sumValues(values, rows, fresh, span - cached, h, count, s, span, cached, sum);
        for (int qq = 0; qq < count; qq++) {
            int o = (r0 + qq) * hidden + h * headDim;
            for (int d = 0; d < headDim; d += LENGTH) {
                VectorMask<Float> m = FLOATS.indexInRange(d, headDim);
                FloatVector.fromArray(FLOATS, sum, qq * headDim + d, m).mul(norm[qq]).intoArray(out, o + d, m);
            }
        }
    }

    /**
     * Scores of the block's queries (head h) against the {@code n} positions in slots
     * {@code from…} of the blocked keys {@code kt} ({@code slots} slots), into
     * {@code s[qq·span + at …]}: a block of slots at a time, masked where a run starts or ends
     * inside one.
     */
    private void score(float[] kt, int slots, int from, int n, int h, int r0, int count, float[] s, int span, int at) {
        int qo = r0 * hidden + h * headDim;
        for (int slot = from, end = from + n; slot < end; ) {
            int blockStart = slot - slot % LENGTH;
            int width = Math.min(LENGTH, slots - blockStart);
            int lanes = Math.min(blockStart + width, end) - slot;
            int base = (h * slots + blockStart) * headDim + slot - blockStart;
            VectorMask<Float> m = FLOATS.indexInRange(0, lanes);
            int o = at + slot - from;
            if (count == BLOCK) {
                score4(kt, base, width, m, qo, s, o, span);
            } else {
                for (int qq = 0; qq < count; qq++) {
                    score1(kt, base, width, m, qo + qq * hidden, s, qq * span + o);
                }
            }
            slot += lanes;
        }
    }

    /** Four queries from {@code qo} (stride hidden) against one block: dimension d at {@code base + d·width}. */
    private void score4(float[] kt, int base, int width, VectorMask<Float> m, int qo, float[] s, int o, int span) {
        int q1 = qo + hidden, q2 = q1 + hidden, q3 = q2 + hidden;
        FloatVector a = FloatVector.zero(FLOATS), b = a, c = a, e = a;
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

    /** One query at {@code qo} against one block, in four chains over the dimensions, into {@code s[o…]}. */
    private void score1(float[] kt, int base, int width, VectorMask<Float> m, int qo, float[] s, int o) {
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        int d = 0;
        for (int at = base; d + 4 <= headDim; d += 4, at += 4 * width) {
            a0 = FloatVector.broadcast(FLOATS, q[qo + d]).fma(FloatVector.fromArray(FLOATS, kt, at, m), a0);
            a1 = FloatVector.broadcast(FLOATS, q[qo + d + 1]).fma(FloatVector.fromArray(FLOATS, kt, at + width, m), a1);
            a2 = FloatVector.broadcast(FLOATS, q[qo + d + 2]).fma(FloatVector.fromArray(FLOATS, kt, at + 2 * width, m), a2);
            a3 = FloatVector.broadcast(FLOATS, q[qo + d + 3]).fma(FloatVector.fromArray(FLOATS, kt, at + 3 * width, m), a3);
        }
        for (; d < headDim; d++) {
            a0 = FloatVector.broadcast(FLOATS, q[qo + d]).fma(FloatVector.fromArray(FLOATS, kt, base + d * width, m), a0);
        }
        a0.add(a1).add(a2.add(a3)).intoArray(s, o, m);
    }

    /**
     * Adds to {@code sum} the block's probabilities ({@code s[qq·span + at …]}) times the
     * {@code n} value rows in slots {@code from…} of {@code vt} ({@code slots} slots, head-major).
     */
    private void sumValues(float[] vt, int slots, int from, int n, int h, int count, float[] s, int span, int at, float[] sum) {
        if (n <= 0) {
            return;
        }
        int base = (h * slots + from) * headDim;
        if (count == BLOCK) {
            sumValues4(vt, base, n, s, at, span, sum);
        } else {
            for (int qq = 0; qq < count; qq++) {
                sumValues1(vt, base, n, s, qq * span + at, sum, qq * headDim);
            }
        }
    }

    /**
     * Four queries: each value vector loaded feeds four FMAs; sixteen sums stay in registers over
     * all n positions, four output vectors at a time, then go to {@code sum}.
     *
     * <p>The kernels here write their registers back inline rather than through a helper: at
     * this size C2 stops inlining helpers (NodeCountInliningCutoff), and vectors passed to a call
     * that is not inlined are boxed, which made this loop six times slower (measured).
     */
    private void sumValues4(float[] vt, int base, int n, float[] s, int at, int span, float[] sum) {
        int d = 0;
        for (; d + 4 * LENGTH <= headDim; d += 4 * LENGTH) {
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
            for (int p = 0, row = base + d; p < n; p++, row += headDim) {
                FloatVector v0 = FloatVector.fromArray(FLOATS, vt, row);
                FloatVector v1 = FloatVector.fromArray(FLOATS, vt, row + LENGTH);
                FloatVector v2 = FloatVector.fromArray(FLOATS, vt, row + 2 * LENGTH);
                FloatVector v3 = FloatVector.fromArray(FLOATS, vt, row + 3 * LENGTH);
                FloatVector x = FloatVector.broadcast(FLOATS, s[at + p]);
                a0 = x.fma(v0, a0);
                a1 = x.fma(v1, a1);
                a2 = x.fma(v2, a2);
                a3 = x.fma(v3, a3);
                x = FloatVector.broadcast(FLOATS, s[span + at + p]);
                b0 = x.fma(v0, b0);
                b1 = x.fma(v1, b1);
                b2 = x.fma(v2, b2);
                b3 = x.fma(v3, b3);
                x = FloatVector.broadcast(FLOATS, s[2 * span + at + p]);
                c0 = x.fma(v0, c0);
                c1 = x.fma(v1, c1);
                c2 = x.fma(v2, c2);
                c3 = x.fma(v3, c3);
                x = FloatVector.broadcast(FLOATS, s[3 * span + at + p]);
                e0 = x.fma(v0, e0);
                e1 = x.fma(v1, e1);
                e2 = x.fma(v2, e2);
                e3 = x.fma(v3, e3);
            }
            int o = d;
            a0.add(FloatVector.fromArray(FLOATS, sum, o)).intoArray(sum, o);
            a1.add(FloatVector.fromArray(FLOATS, sum, o + LENGTH)).intoArray(sum, o + LENGTH);
            a2.add(FloatVector.fromArray(FLOATS, sum, o + 2 * LENGTH)).intoArray(sum, o + 2 * LENGTH);
            a3.add(FloatVector.fromArray(FLOATS, sum, o + 3 * LENGTH)).intoArray(sum, o + 3 * LENGTH);
            o += headDim;
            b0.add(FloatVector.fromArray(FLOATS, sum, o)).intoArray(sum, o);
            b1.add(FloatVector.fromArray(FLOATS, sum, o + LENGTH)).intoArray(sum, o + LENGTH);
            b2.add(FloatVector.fromArray(FLOATS, sum, o + 2 * LENGTH)).intoArray(sum, o + 2 * LENGTH);
            b3.add(FloatVector.fromArray(FLOATS, sum, o + 3 * LENGTH)).intoArray(sum, o + 3 * LENGTH);
            o += headDim;
            c0.add(FloatVector.fromArray(FLOATS, sum, o)).intoArray(sum, o);
            c1.add(FloatVector.fromArray(FLOATS, sum, o + LENGTH)).intoArray(sum, o + LENGTH);
            c2.add(FloatVector.fromArray(FLOATS, sum, o + 2 * LENGTH)).intoArray(sum, o + 2 * LENGTH);
            c3.add(FloatVector.fromArray(FLOATS, sum, o + 3 * LENGTH)).intoArray(sum, o + 3 * LENGTH);
            o += headDim;
            e0.add(FloatVector.fromArray(FLOATS, sum, o)).intoArray(sum, o);
            e1.add(FloatVector.fromArray(FLOATS, sum, o + LENGTH)).intoArray(sum, o + LENGTH);
            e2.add(FloatVector.fromArray(FLOATS, sum, o + 2 * LENGTH)).intoArray(sum, o + 2 * LENGTH);
            e3.add(FloatVector.fromArray(FLOATS, sum, o + 3 * LENGTH)).intoArray(sum, o + 3 * LENGTH);
        }
        for (; d < headDim; d += LENGTH) {
            for (int qq = 0; qq < BLOCK; qq++) {
                sumTail(vt, base, n, s, qq * span + at, sum, qq * headDim, d);
            }
        }
    }

    /** One query, probabilities at {@code s[so…]}, into {@code sum[to…]}. */
    private void sumValues1(float[] vt, int base, int n, float[] s, int so, float[] sum, int to) {
        int d = 0;
        for (; d + 4 * LENGTH <= headDim; d += 4 * LENGTH) {
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0, row = base + d; p < n; p++, row += headDim) {
                FloatVector x = FloatVector.broadcast(FLOATS, s[so + p]);
                a0 = FloatVector.fromArray(FLOATS, vt, row).fma(x, a0);
                a1 = FloatVector.fromArray(FLOATS, vt, row + LENGTH).fma(x, a1);
                a2 = FloatVector.fromArray(FLOATS, vt, row + 2 * LENGTH).fma(x, a2);
                a3 = FloatVector.fromArray(FLOATS, vt, row + 3 * LENGTH).fma(x, a3);
            }
            int o = to + d;
            a0.add(FloatVector.fromArray(FLOATS, sum, o)).intoArray(sum, o);
            a1.add(FloatVector.fromArray(FLOATS, sum, o + LENGTH)).intoArray(sum, o + LENGTH);
            a2.add(FloatVector.fromArray(FLOATS, sum, o + 2 * LENGTH)).intoArray(sum, o + 2 * LENGTH);
            a3.add(FloatVector.fromArray(FLOATS, sum, o + 3 * LENGTH)).intoArray(sum, o + 3 * LENGTH);
        }
        for (; d < headDim; d += LENGTH) {
            sumTail(vt, base, n, s, so, sum, to, d);
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
