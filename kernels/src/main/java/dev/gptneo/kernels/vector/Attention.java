package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import jdk.incubator.vector.FloatVector;

/**
 * Causal multi-head attention without 1/sqrt(d) scaling (GPT-Neo), global or windowed. One
 * instance per backend, reused for every call.
 *
 * <p>The work items are (row, head) pairs, in chunks the workers claim as they go: later rows
 * attend to more positions, so a fixed split would leave one worker idle.
 */
final class Attention implements WorkerPool.Task {

    private final float[][] scores;
    /** This call's keys, per head transposed to [dim][row], so one FMA scores LENGTH positions. */
    private float[] keysT = new float[0];
    private final int[][] starts;

    // The operands of the call in progress.
    private float[] q;
    private float[] k;
    private float[] v;
    private float[] cacheK;
    private float[] cacheV;
    private float[] out;
    private int rows;
    private int past;
    private int heads;
    private int window;
    private int hidden;
    private int capacity;

    Attention(int workers) {
        scores = new float[workers][];
        starts = new int[workers][];
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
        this.k = k.data();
        this.v = v.data();
        this.cacheK = cacheK.data();
        this.cacheV = cacheV.data();
        this.out = out.data();
        this.rows = q.rows();
        this.past = past;
        this.heads = heads;
        this.window = window;
        this.hidden = q.cols();
        this.capacity = cacheK.rows();
        transposeKeys();
        try {
            pool.run(Math.min(rows * heads, WorkerPool.MAX_CHUNKS), this);
        } finally {
            this.q = this.k = this.v = this.cacheK = this.cacheV = this.out = null;
        }
    }

    @Override
    public void run(int worker, int chunk) {
        int span = window > 0 ? Math.min(window, past + rows) : past + rows;
        if (scores[worker] == null || scores[worker].length < span) {
            scores[worker] = new float[Math.max(span, 256)];
            starts[worker] = new int[Math.max(span, 256)];
        }
        int items = rows * heads;
        int chunks = Math.min(items, WorkerPool.MAX_CHUNKS);
        int from = (int) ((long) items * chunk / chunks);
        int to = (int) ((long) items * (chunk + 1) / chunks);
        for (int item = from; item < to; item++) {
            attendOne(item / heads, item % heads, scores[worker], starts[worker]);
        }
    }

    /**
     * Row r (position past + r), head h: softmax of the scores over the visible positions, then
     * their weighted sum of values.
     */
    private void attendOne(int r, int h, float[] s, int[] start) {
        int headDim = hidden / heads;
        int i = past + r;
        int first = window > 0 ? Math.max(0, i - window + 1) : 0;
        int count = i - first + 1;
        int qo = r * hidden + h * headDim;
        // Where each visible position's key and value start: its slot in the cache ring (walked
        // without a division per position), or its row among this call's fresh rows.
        int slot = first % capacity;
        for (int j = first; j <= i; j++) {
            if (j >= past) {
                start[j - first] = (j - past) * hidden + h * headDim;
            } else {
                start[j - first] = slot * hidden + h * headDim;
                slot = slot + 1 == capacity ? 0 : slot + 1;
            }
        }
        int scored = first;
        if (rows >= LENGTH) {
            int fresh = Math.max(first, past);
            for (; scored < fresh; scored++) {
                s[scored - first] = VectorMath.dot(q, qo, cacheK, start[scored - first], headDim);
            }
            scored = past + transposedScores(qo, h, fresh - past, i - past, s, fresh - first);
        }
        for (; scored <= i; scored++) {
            s[scored - first] = VectorMath.dot(q, qo, scored >= past ? k : cacheK, start[scored - first], headDim);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < count; p++) {
            max = Math.max(max, s[p]);
        }
        float norm = 1 / VectorMath.expShifted(s, count, max);
        // Four output vectors at a time are summed in registers over all positions: each
        // position's value row is read front to back, and nothing is stored per position.
        int d = 0;
        for (; d + 4 * LENGTH <= headDim; d += 4 * LENGTH) {
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
            for (int j = first; j <= i; j++) {
                float[] values = j >= past ? v : cacheV;
                int at = start[j - first] + d;
                FloatVector p = FloatVector.broadcast(FLOATS, s[j - first]);
                a0 = FloatVector.fromArray(FLOATS, values, at).fma(p, a0);
                a1 = FloatVector.fromArray(FLOATS, values, at + LENGTH).fma(p, a1);
                a2 = FloatVector.fromArray(FLOATS, values, at + 2 * LENGTH).fma(p, a2);
                a3 = FloatVector.fromArray(FLOATS, values, at + 3 * LENGTH).fma(p, a3);
            }
            a0.mul(norm).intoArray(out, qo + d);
            a1.mul(norm).intoArray(out, qo + d + LENGTH);
            a2.mul(norm).intoArray(out, qo + d + 2 * LENGTH);
            a3.mul(norm).intoArray(out, qo + d + 3 * LENGTH);
        }
        for (; d + LENGTH <= headDim; d += LENGTH) {
            FloatVector acc = FloatVector.zero(FLOATS);
            for (int j = first; j <= i; j++) {
                acc = FloatVector.fromArray(FLOATS, j >= past ? v : cacheV, start[j - first] + d)
                        .fma(FloatVector.broadcast(FLOATS, s[j - first]), acc);
            }
            acc.mul(norm).intoArray(out, qo + d);
        }
        for (; d < headDim; d++) {
            float acc = 0;
            for (int j = first; j <= i; j++) {
                acc += s[j - first] * (j >= past ? v : cacheV)[start[j - first] + d];
            }
            out[qo + d] = acc * norm;
        }
    }

    /**
     * Fills {@link #keysT}: head h's dimension d of fresh row j at {@code (h·headDim + d)·rows + j}.
     * A copy of k, made once per call, that turns the score loop into broadcasts and FMAs with no
     * lane reduction per score.
     */
    private void transposeKeys() {
        if (rows < Lanes.LENGTH) {
            return; // decode: too few fresh positions to fill a vector
        }
        if (keysT.length < rows * hidden) {
            keysT = new float[rows * hidden];
        }
        for (int j = 0; j < rows; j++) {
            for (int c = 0; c < hidden; c++) {
                keysT[c * rows + j] = k[j * hidden + c];
            }
        }
    }

    /**
     * Scores of the query at {@code qo} (head h) against this call's rows {@code from…to}
     * (inclusive), into {@code s[at…]}, LENGTH rows a vector, four vectors at a time. Returns the
     * first row it left for the caller (fewer than LENGTH remain).
     */
    private int transposedScores(int qo, int h, int from, int to, float[] s, int at) {
        int headDim = hidden / heads;
        int base = h * headDim * rows;
        int j = from;
        for (; j + 4 * LENGTH - 1 <= to; j += 4 * LENGTH) {
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0, row = base + j; d < headDim; d++, row += rows) {
                FloatVector qd = FloatVector.broadcast(FLOATS, q[qo + d]);
                a0 = qd.fma(FloatVector.fromArray(FLOATS, keysT, row), a0);
                a1 = qd.fma(FloatVector.fromArray(FLOATS, keysT, row + LENGTH), a1);
                a2 = qd.fma(FloatVector.fromArray(FLOATS, keysT, row + 2 * LENGTH), a2);
                a3 = qd.fma(FloatVector.fromArray(FLOATS, keysT, row + 3 * LENGTH), a3);
            }
            a0.intoArray(s, at + j - from);
            a1.intoArray(s, at + j - from + LENGTH);
            a2.intoArray(s, at + j - from + 2 * LENGTH);
            a3.intoArray(s, at + j - from + 3 * LENGTH);
        }
        for (; j + LENGTH - 1 <= to; j += LENGTH) {
            FloatVector a = FloatVector.zero(FLOATS);
            for (int d = 0, row = base + j; d < headDim; d++, row += rows) {
                a = FloatVector.broadcast(FLOATS, q[qo + d]).fma(FloatVector.fromArray(FLOATS, keysT, row), a);
            }
            a.intoArray(s, at + j - from);
        }
        return j;
    }

}
