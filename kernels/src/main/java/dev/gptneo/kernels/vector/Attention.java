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
 * <p>Keys are read transposed, per head {@code [dim][position]}: the cache keeps them so (see
 * {@link #cacheWrite}) and a call transposes its fresh rows once. A score vector is then
 * {@code LENGTH} positions at once, built by broadcast-and-FMA over the head's dimensions, with
 * no lane reduction per position. Queries are taken {@link #BLOCK} at a time: every key and
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
    /** Per worker: where each visible position's value row starts (in the cache or in v). */
    private final int[][] starts;
    /** Per worker: each query's 1 / sum of its exponentials. */
    private final float[][] norms;
    /** This call's keys, transposed as the cache keeps them. */
    private float[] keysT = new float[0];

    // The operands of the call in progress.
    private float[] q;
    private float[] keys;
    private float[] v;
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
        starts = new int[workers][];
        norms = new float[workers][BLOCK];
    }

    /**
     * Stores fresh keys and values at positions {@code past…} in a layer's cache: values as
     * rows, keys transposed ({@code cacheK[c·capacity + slot]}, channel c, slot =
     * position mod capacity). Only the last {@code capacity} rows remain when there are more.
     */
    static void cacheWrite(Activation k, Activation v, Activation cacheK, Activation cacheV, int past) {
        int rows = k.rows();
        int hidden = k.cols();
        int capacity = cacheK.rows();
        int first = Math.max(0, rows - capacity);
        for (int r = first; r < rows; r++) {
            System.arraycopy(v.data(), r * hidden, cacheV.data(), (past + r) % capacity * hidden, hidden);
        }
        // Channel by channel, so the writes run along a cache row: slots are consecutive until the ring wraps.
        float[] keys = k.data();
        float[] cache = cacheK.data();
        for (int c = 0; c < hidden; c++) {
            int slot = (past + first) % capacity;
            for (int r = first, at = c * capacity; r < rows; r++) {
                cache[at + slot] = keys[r * hidden + c];
                slot = slot + 1 == capacity ? 0 : slot + 1;
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
        this.v = v.data();
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
        this.keys = transposed(k.data());
        int items = Math.ceilDiv(rows, BLOCK) * heads;
        chunks = Math.min(items, WorkerPool.MAX_CHUNKS);
        try {
            pool.run(chunks, this);
        } finally {
            this.q = this.keys = this.v = this.cacheK = this.cacheV = this.out = null;
        }
    }

    /** {@code k} as {@code [channel][row]}; a single row is that already. */
    private float[] transposed(float[] k) {
        if (rows == 1) {
            return k;
        }
        if (keysT.length < rows * hidden) {
            keysT = new float[rows * hidden];
        }
        for (int c = 0; c < hidden; c++) {
            for (int j = 0, at = c * rows; j < rows; j++) {
                keysT[at + j] = k[j * hidden + c];
            }
        }
        return keysT;
    }

    @Override
    public void run(int worker, int chunk) {
        int items = Math.ceilDiv(rows, BLOCK) * heads;
        int from = (int) ((long) items * chunk / chunks);
        int to = (int) ((long) items * (chunk + 1) / chunks);
        for (int item = from; item < to; item++) {
            attendBlock(worker, item / heads * BLOCK, item % heads);
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
        if (scores[worker] == null || scores[worker].length < BLOCK * span) {
            scores[worker] = new float[BLOCK * Math.max(span, 256)];
            starts[worker] = new int[Math.max(span, 256)];
        }
        float[] s = scores[worker];
        int[] start = starts[worker];
        float[] norm = norms[worker];

        // Cached positions lo…past-1 lie in the ring at most in two runs of slots; fresh ones in keysT.
        int cached = Math.max(0, Math.min(past, hi + 1) - lo);
        int slot = lo % capacity;
        int firstRun = Math.min(cached, capacity - slot);
        score(cacheK, capacity, slot, firstRun, h, r0, count, s, span, 0);
        score(cacheK, capacity, 0, cached - firstRun, h, r0, count, s, span, firstRun);
        score(keys, rows, lo + cached - past, span - cached, h, r0, count, s, span, cached);
        for (int p = 0, at = slot; p < cached; p++, at = at + 1 == capacity ? 0 : at + 1) {
            start[p] = at * hidden;
        }
        for (int p = cached; p < span; p++) {
            start[p] = (lo + p - past) * hidden;
        }

        for (int qq = 0; qq < count; qq++) {
            int row = qq * span;
            int from = first(r0 + qq) - lo;
            int to = r0 + qq + past - lo + 1;
            Arrays.fill(s, row, row + from, 0f);
            Arrays.fill(s, row + to, row + span, 0f);
            norm[qq] = 1 / VectorMath.expShifted(s, row + from, to - from, VectorMath.max(s, row + from, to - from));
        }
        if (count == BLOCK) {
            weightedValues4(r0, h, s, span, start, cached, norm);
        } else {
            for (int qq = 0; qq < count; qq++) {
                weightedValues1(r0 + qq, h, s, qq * span, span, start, cached, norm[qq]);
            }
        }
    }

    /**
     * Scores of the block's queries (head h) against {@code n} positions whose keys are columns
     * {@code col0…} of {@code kt} (row stride {@code stride}), into {@code s[qq·span + at …]}.
     */
    private void score(float[] kt, int stride, int col0, int n, int h, int r0, int count, float[] s, int span, int at) {
        if (n <= 0) {
            return;
        }
        int base = h * headDim * stride + col0;
        int qo = r0 * hidden + h * headDim;
        if (count == BLOCK) {
            score4(kt, stride, base, n, qo, s, span, at);
        } else {
            for (int qq = 0; qq < count; qq++) {
                score1(kt, stride, base, n, qo + qq * hidden, s, qq * span + at);
            }
        }
    }

    /** Four queries from {@code qo} (stride hidden), two position vectors per step. */
    private void score4(float[] kt, int stride, int base, int n, int qo, float[] s, int span, int at) {
        int q1 = qo + hidden, q2 = q1 + hidden, q3 = q2 + hidden;
        int t = 0;
        for (; t + 2 * LENGTH <= n; t += 2 * LENGTH) {
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
            for (int d = 0, row = base + t; d < headDim; d++, row += stride) {
                FloatVector k0 = FloatVector.fromArray(FLOATS, kt, row);
                FloatVector k1 = FloatVector.fromArray(FLOATS, kt, row + LENGTH);
                FloatVector x = FloatVector.broadcast(FLOATS, q[qo + d]);
                a0 = x.fma(k0, a0);
                a1 = x.fma(k1, a1);
                x = FloatVector.broadcast(FLOATS, q[q1 + d]);
                b0 = x.fma(k0, b0);
                b1 = x.fma(k1, b1);
                x = FloatVector.broadcast(FLOATS, q[q2 + d]);
                c0 = x.fma(k0, c0);
                c1 = x.fma(k1, c1);
                x = FloatVector.broadcast(FLOATS, q[q3 + d]);
                d0 = x.fma(k0, d0);
                d1 = x.fma(k1, d1);
            }
            int o = at + t;
            a0.intoArray(s, o);
            a1.intoArray(s, o + LENGTH);
            b0.intoArray(s, o + span);
            b1.intoArray(s, o + span + LENGTH);
            c0.intoArray(s, o + 2 * span);
            c1.intoArray(s, o + 2 * span + LENGTH);
            d0.intoArray(s, o + 3 * span);
            d1.intoArray(s, o + 3 * span + LENGTH);
        }
        for (; t < n; t += LENGTH) {
            VectorMask<Float> m = FLOATS.indexInRange(t, n);
            FloatVector a = FloatVector.zero(FLOATS), b = a, c = a, e = a;
            for (int d = 0, row = base + t; d < headDim; d++, row += stride) {
                FloatVector kv = FloatVector.fromArray(FLOATS, kt, row, m);
                a = FloatVector.broadcast(FLOATS, q[qo + d]).fma(kv, a);
                b = FloatVector.broadcast(FLOATS, q[q1 + d]).fma(kv, b);
                c = FloatVector.broadcast(FLOATS, q[q2 + d]).fma(kv, c);
                e = FloatVector.broadcast(FLOATS, q[q3 + d]).fma(kv, e);
            }
            int o = at + t;
            a.intoArray(s, o, m);
            b.intoArray(s, o + span, m);
            c.intoArray(s, o + 2 * span, m);
            e.intoArray(s, o + 3 * span, m);
        }
    }

    /** One query at {@code qo}, four position vectors per step. */
    private void score1(float[] kt, int stride, int base, int n, int qo, float[] s, int at) {
        int t = 0;
        for (; t + 4 * LENGTH <= n; t += 4 * LENGTH) {
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0, row = base + t; d < headDim; d++, row += stride) {
                FloatVector x = FloatVector.broadcast(FLOATS, q[qo + d]);
                a0 = x.fma(FloatVector.fromArray(FLOATS, kt, row), a0);
                a1 = x.fma(FloatVector.fromArray(FLOATS, kt, row + LENGTH), a1);
                a2 = x.fma(FloatVector.fromArray(FLOATS, kt, row + 2 * LENGTH), a2);
                a3 = x.fma(FloatVector.fromArray(FLOATS, kt, row + 3 * LENGTH), a3);
            }
            a0.intoArray(s, at + t);
            a1.intoArray(s, at + t + LENGTH);
            a2.intoArray(s, at + t + 2 * LENGTH);
            a3.intoArray(s, at + t + 3 * LENGTH);
        }
        for (; t < n; t += LENGTH) {
            VectorMask<Float> m = FLOATS.indexInRange(t, n);
            FloatVector a = FloatVector.zero(FLOATS);
            for (int d = 0, row = base + t; d < headDim; d++, row += stride) {
                a = FloatVector.broadcast(FLOATS, q[qo + d]).fma(FloatVector.fromArray(FLOATS, kt, row, m), a);
            }
            a.intoArray(s, at + t, m);
        }
    }

    /** Where the value row of the span's position p lies: the first {@code cached} are in the cache. */
    private float[] values(int p, int cached) {
        return p < cached ? cacheV : v;
    }

    /**
     * {@code out} rows r0…r0+3, head h: the four queries' probabilities times the value rows,
     * summed in registers over all positions, four output vectors at a time.
     */
    private void weightedValues4(int r0, int h, float[] s, int span, int[] start, int cached, float[] norm) {
        int ho = h * headDim;
        int d = 0;
        for (; d + 4 * LENGTH <= headDim; d += 4 * LENGTH) {
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
            for (int p = 0; p < span; p++) {
                float[] values = values(p, cached);
                int at = start[p] + ho + d;
                FloatVector v0 = FloatVector.fromArray(FLOATS, values, at);
                FloatVector v1 = FloatVector.fromArray(FLOATS, values, at + LENGTH);
                FloatVector v2 = FloatVector.fromArray(FLOATS, values, at + 2 * LENGTH);
                FloatVector v3 = FloatVector.fromArray(FLOATS, values, at + 3 * LENGTH);
                FloatVector x = FloatVector.broadcast(FLOATS, s[p]);
                a0 = x.fma(v0, a0);
                a1 = x.fma(v1, a1);
                a2 = x.fma(v2, a2);
                a3 = x.fma(v3, a3);
                x = FloatVector.broadcast(FLOATS, s[span + p]);
                b0 = x.fma(v0, b0);
                b1 = x.fma(v1, b1);
                b2 = x.fma(v2, b2);
                b3 = x.fma(v3, b3);
                x = FloatVector.broadcast(FLOATS, s[2 * span + p]);
                c0 = x.fma(v0, c0);
                c1 = x.fma(v1, c1);
                c2 = x.fma(v2, c2);
                c3 = x.fma(v3, c3);
                x = FloatVector.broadcast(FLOATS, s[3 * span + p]);
                e0 = x.fma(v0, e0);
                e1 = x.fma(v1, e1);
                e2 = x.fma(v2, e2);
                e3 = x.fma(v3, e3);
            }
            int o = r0 * hidden + ho + d;
            store4(a0, a1, a2, a3, norm[0], o);
            store4(b0, b1, b2, b3, norm[1], o + hidden);
            store4(c0, c1, c2, c3, norm[2], o + 2 * hidden);
            store4(e0, e1, e2, e3, norm[3], o + 3 * hidden);
        }
        for (; d < headDim; d += LENGTH) {
            VectorMask<Float> m = FLOATS.indexInRange(d, headDim);
            FloatVector a = FloatVector.zero(FLOATS), b = a, c = a, e = a;
            for (int p = 0; p < span; p++) {
                FloatVector x = FloatVector.fromArray(FLOATS, values(p, cached), start[p] + ho + d, m);
                a = FloatVector.broadcast(FLOATS, s[p]).fma(x, a);
                b = FloatVector.broadcast(FLOATS, s[span + p]).fma(x, b);
                c = FloatVector.broadcast(FLOATS, s[2 * span + p]).fma(x, c);
                e = FloatVector.broadcast(FLOATS, s[3 * span + p]).fma(x, e);
            }
            int o = r0 * hidden + ho + d;
            a.mul(norm[0]).intoArray(out, o, m);
            b.mul(norm[1]).intoArray(out, o + hidden, m);
            c.mul(norm[2]).intoArray(out, o + 2 * hidden, m);
            e.mul(norm[3]).intoArray(out, o + 3 * hidden, m);
        }
    }

    private void store4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float norm, int o) {
        a0.mul(norm).intoArray(out, o);
        a1.mul(norm).intoArray(out, o + LENGTH);
        a2.mul(norm).intoArray(out, o + 2 * LENGTH);
        a3.mul(norm).intoArray(out, o + 3 * LENGTH);
    }

    /** {@code out} row r, head h, from the probabilities at {@code s[so…]}. */
    private void weightedValues1(int r, int h, float[] s, int so, int span, int[] start, int cached, float norm) {
        int ho = h * headDim;
        int d = 0;
        for (; d + 4 * LENGTH <= headDim; d += 4 * LENGTH) {
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0; p < span; p++) {
                float[] values = values(p, cached);
                int at = start[p] + ho + d;
                FloatVector x = FloatVector.broadcast(FLOATS, s[so + p]);
                a0 = FloatVector.fromArray(FLOATS, values, at).fma(x, a0);
                a1 = FloatVector.fromArray(FLOATS, values, at + LENGTH).fma(x, a1);
                a2 = FloatVector.fromArray(FLOATS, values, at + 2 * LENGTH).fma(x, a2);
                a3 = FloatVector.fromArray(FLOATS, values, at + 3 * LENGTH).fma(x, a3);
            }
            store4(a0, a1, a2, a3, norm, r * hidden + ho + d);
        }
        for (; d < headDim; d += LENGTH) {
            VectorMask<Float> m = FLOATS.indexInRange(d, headDim);
            FloatVector a = FloatVector.zero(FLOATS);
            for (int p = 0; p < span; p++) {
                a = FloatVector.fromArray(FLOATS, values(p, cached), start[p] + ho + d, m)
                        .fma(FloatVector.broadcast(FLOATS, s[so + p]), a);
            }
            a.mul(norm).intoArray(out, r * hidden + ho + d, m);
        }
    }
}
