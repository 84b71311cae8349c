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
        float max = Float.NEGATIVE_INFINITY;
        for (int j = first; j <= i; j++) {
            float score = VectorMath.dot(q, qo, j >= past ? k : cacheK, start[j - first], headDim);
            s[j - first] = score;
            max = Math.max(max, score);
        }
        float norm = 1 / VectorMath.expShifted(s, count, max);
        // Each output vector is summed in registers over all positions: no store per position.
        int d = 0;
        for (; d <= headDim - LENGTH; d += LENGTH) {
            FloatVector even = FloatVector.zero(FLOATS);
            FloatVector odd = even;
            int j = first;
            for (; j < i; j += 2) {
                even = value(j, start[j - first] + d).mul(s[j - first]).add(even);
                odd = value(j + 1, start[j + 1 - first] + d).mul(s[j + 1 - first]).add(odd);
            }
            if (j == i) {
                even = value(j, start[j - first] + d).mul(s[j - first]).add(even);
            }
            even.add(odd).mul(norm).intoArray(out, qo + d);
        }
        for (; d < headDim; d++) {
            float acc = 0;
            for (int j = first; j <= i; j++) {
                acc += s[j - first] * (j >= past ? v : cacheV)[start[j - first] + d];
            }
            out[qo + d] = acc * norm;
        }
    }

    /** The value vector of position j at {@code index}: from this call's rows or the cache. */
    private FloatVector value(int j, int index) {
        return FloatVector.fromArray(FLOATS, j >= past ? v : cacheV, index);
    }
}
