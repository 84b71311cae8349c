package dev.gptneo.kernels.vector;

import java.util.Arrays;

/**
 * Causal multi-head attention without 1/sqrt(d) scaling (GPT-Neo), global or windowed. One
 * instance per backend, reused for every call.
 *
 * <p>The work items are (row, head) pairs, in chunks the workers claim as they go: later rows
 * attend to more positions, so a fixed split would leave one worker idle.
 */
final class Attention implements WorkerPool.Task {

    private final float[][] scores;

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
        float[] s = scores[worker];
        if (s == null || s.length < span) {
            s = new float[Math.max(span, 256)];
            scores[worker] = s;
        }
        int items = rows * heads;
        int chunks = Math.min(items, WorkerPool.MAX_CHUNKS);
        int from = (int) ((long) items * chunk / chunks);
        int to = (int) ((long) items * (chunk + 1) / chunks);
        for (int item = from; item < to; item++) {
            attendOne(item / heads, item % heads, s);
        }
    }

    /** Row r (position past + r), head h: softmax of the scores over the visible positions. */
    private void attendOne(int r, int h, float[] s) {
        int headDim = hidden / heads;
        int i = past + r;
        int first = window > 0 ? Math.max(0, i - window + 1) : 0;
        int count = i - first + 1;
        int qo = r * hidden + h * headDim;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = first; j <= i; j++) {
            float score = VectorMath.dot(q, qo, j >= past ? k : cacheK, offset(j) + h * headDim, headDim);
            s[j - first] = score;
            max = Math.max(max, score);
        }
        float sum = VectorMath.expShifted(s, count, max);
        Arrays.fill(out, qo, qo + headDim, 0f);
        for (int j = first; j <= i; j++) {
            VectorMath.axpy(s[j - first], j >= past ? v : cacheV, offset(j) + h * headDim, out, qo, headDim);
        }
        VectorMath.scale(out, qo, headDim, 1 / sum);
    }

    /** Where position j's row lies: this call's fresh rows, or its slot in the cache ring. */
    private int offset(int j) {
        return (j >= past ? j - past : j % capacity) * hidden;
    }
}
