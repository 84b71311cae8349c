package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code out = x · wᵀ + bias}, optionally followed by gelu_new, for one row (decode) or many
 * (prefill). One instance per backend, reused for every call, so a call allocates nothing.
 *
 * <p>Work is split over panels of weight rows (= output columns), in contiguous chunks of panels
 * that the workers claim, so every weight byte is read from memory by one thread, once per call. A panel is
 * widened to floats into the worker's buffer, then every row of {@code x} is multiplied against
 * it in 4 × 4 register tiles: 16 independent accumulators hide the FMA latency and each loaded
 * vector feeds four FMAs, which keeps the loop FMA-bound rather than load-bound. The widening
 * is paid once per panel, not once per row of {@code x}.
 *
 * <p>With fewer than {@link #TILE} rows (decode) the product is memory bound: a panel is 4
 * weight rows, multiplied straight from storage where the format allows ({@link StreamedWeight}),
 * else widened into a buffer small enough for L1. With more rows a panel is 16 weight rows, so
 * the four rows of {@code x} a tile reads stay in L1 across the panel's four tiles.
 */
final class Matmul implements WorkerPool.Task {

    static final int TILE = 4;
    private static final int WIDE_PANEL = 4 * TILE;
    /** Enough chunks that a descheduled worker's share is small, few enough that claims are rare. */
    private static final int CHUNKS_PER_WORKER = 8;

    private final float[][] buffers;
    private final float[][] sums;
    /** The rows of x permuted for a streamed format that wants them so (see StreamedWeight.arrange). */
    private float[] arranged = new float[0];

    // The operands of the call in progress.
    private float[] x;
    private Weight w;
    private float[] bias;
    private float[] out;
    private int rows;
    private int k;
    private int n;
    private int panel;
    private int chunks;
    private boolean gelu;

    Matmul(int workers) {
        buffers = new float[workers][];
        sums = new float[workers][TILE * TILE];
    }

    /**
     * @param bias n floats, or null
     * @param gelu whether to apply gelu_new to the result (while it is still in cache)
     */
    void multiply(WorkerPool pool, Activation x, Weight w, float[] bias, Activation out, boolean gelu) {
        if (w.cols() != x.cols() || out.cols() != w.rows() || out.rows() != x.rows()) {
            throw new IllegalArgumentException("matmul shapes: x " + x.rows() + "x" + x.cols() + ", w "
                    + w.rows() + "x" + w.cols() + ", out " + out.rows() + "x" + out.cols());
        }
        this.x = x.data();
        this.w = w;
        this.bias = bias;
        this.out = out.data();
        this.rows = x.rows();
        this.k = x.cols();
        this.n = w.rows();
        this.panel = rows >= TILE ? WIDE_PANEL : TILE;
        this.gelu = gelu;
        if (rows < TILE && w instanceof StreamedWeight streamed) {
            if (arranged.length < rows * k) {
                arranged = new float[rows * k];
            }
            this.x = streamed.arrange(this.x, rows, arranged);
        }
        try {
            int panels = (n + panel - 1) / panel;
            chunks = Math.min(panels, Math.min(CHUNKS_PER_WORKER * pool.size(), WorkerPool.MAX_CHUNKS));
            pool.run(chunks, this);
        } finally {
            this.x = null;
            this.w = null;
            this.bias = null;
            this.out = null;
        }
    }

    @Override
    public void run(int worker, int chunk) {
        int panels = (n + panel - 1) / panel;
        int from = (int) ((long) panels * chunk / chunks);
        int to = (int) ((long) panels * (chunk + 1) / chunks);
        if (rows < TILE && w instanceof StreamedWeight streamed) {
            for (int p = from; p < to; p++) {
                streamPanel(streamed, p * panel);
            }
        } else {
            float[] buffer = buffer(worker);
            float[] s = sums[worker];
            for (int p = from; p < to; p++) {
                widenedPanel(p * panel, buffer, s);
            }
        }
    }

    /** Up to {@link #TILE} output columns from {@code j0}, each row of x against weights as stored. */
    private void streamPanel(StreamedWeight weights, int j0) {
        int end = Math.min(j0 + TILE, n);
        for (int r = 0; r < rows; r++) {
            for (int j = j0; j < end; j++) {
                float v = weights.dot(x, r * k, j);
                out[r * n + j] = bias == null ? v : v + bias[j];
            }
        }
        applyGelu(j0, end - j0);
    }

    /** {@link #panel} output columns from {@code j0}, against weights widened into {@code buffer}. */
    private void widenedPanel(int j0, float[] buffer, float[] s) {
        int valid = Math.min(panel, n - j0);
        // Rows of the last panel past n keep stale floats: their results are never stored.
        w.decodeRows(j0, valid, buffer, 0);
        int r = 0;
        for (; r + TILE <= rows; r += TILE) {
            for (int t = 0; t < valid; t += TILE) {
                tile4x4(x, r * k, buffer, t * k, k, s);
                addTails(s, TILE, r, buffer, t);
                store(s, TILE, r, j0 + t, Math.min(TILE, valid - t));
            }
        }
        for (; r < rows; r++) {
            for (int t = 0; t < valid; t += TILE) {
                tile1x4(x, r * k, buffer, t * k, k, s);
                addTails(s, 1, r, buffer, t);
                store(s, 1, r, j0 + t, Math.min(TILE, valid - t));
            }
        }
        applyGelu(j0, valid);
    }

    private void applyGelu(int j0, int valid) {
        if (gelu) {
            for (int r = 0; r < rows; r++) {
                VectorMath.gelu(out, r * n + j0, valid);
            }
        }
    }

    private float[] buffer(int worker) {
        float[] b = buffers[worker];
        if (b == null || b.length < panel * k) {
            b = new float[Math.max(WIDE_PANEL, panel) * k];
            buffers[worker] = b;
        }
        return b;
    }

    /** Adds the products of the columns past the last full vector, which the tiles leave out. */
    private void addTails(float[] s, int tileRows, int r0, float[] buffer, int t) {
        for (int i = FLOATS.loopBound(k); i < k; i++) {
            for (int rr = 0; rr < tileRows; rr++) {
                float xi = x[(r0 + rr) * k + i];
                for (int cc = 0; cc < TILE; cc++) {
                    s[rr * TILE + cc] += xi * buffer[(t + cc) * k + i];
                }
            }
        }
    }

    /** Writes the first {@code cols} columns of a tile's sums, plus the bias, to out. */
    private void store(float[] s, int tileRows, int r0, int j0, int cols) {
        for (int rr = 0; rr < tileRows; rr++) {
            for (int cc = 0; cc < cols; cc++) {
                int j = j0 + cc;
                out[(r0 + rr) * n + j] = bias == null ? s[rr * TILE + cc] : s[rr * TILE + cc] + bias[j];
            }
        }
    }

    /** Dot products of 4 rows of x (from x0, stride k) with 4 weight rows (from w0, stride k). */
    private static void tile4x4(float[] x, int x0, float[] w, int w0, int k, float[] s) {
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        int w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        for (int i = 0, bound = FLOATS.loopBound(k); i < bound; i += LENGTH) {
            FloatVector b0 = FloatVector.fromArray(FLOATS, w, w0 + i);
            FloatVector b1 = FloatVector.fromArray(FLOATS, w, w1 + i);
            FloatVector b2 = FloatVector.fromArray(FLOATS, w, w2 + i);
            FloatVector b3 = FloatVector.fromArray(FLOATS, w, w3 + i);
            FloatVector a = FloatVector.fromArray(FLOATS, x, x0 + i);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            c03 = a.fma(b3, c03);
            a = FloatVector.fromArray(FLOATS, x, x1 + i);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            c13 = a.fma(b3, c13);
            a = FloatVector.fromArray(FLOATS, x, x2 + i);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            c23 = a.fma(b3, c23);
            a = FloatVector.fromArray(FLOATS, x, x3 + i);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            c33 = a.fma(b3, c33);
        }
        // Lane sums only once per tile, outside the loop: reductions are shuffles, not FMAs.
        reduce4(s, 0, c00, c01, c02, c03);
        reduce4(s, TILE, c10, c11, c12, c13);
        reduce4(s, 2 * TILE, c20, c21, c22, c23);
        reduce4(s, 3 * TILE, c30, c31, c32, c33);
    }

    /** One row of x against 4 weight rows: four independent accumulators, one x load per step. */
    private static void tile1x4(float[] x, int x0, float[] w, int w0, int k, float[] s) {
        FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0;
        int w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        for (int i = 0, bound = FLOATS.loopBound(k); i < bound; i += LENGTH) {
            FloatVector a = FloatVector.fromArray(FLOATS, x, x0 + i);
            c0 = a.fma(FloatVector.fromArray(FLOATS, w, w0 + i), c0);
            c1 = a.fma(FloatVector.fromArray(FLOATS, w, w1 + i), c1);
            c2 = a.fma(FloatVector.fromArray(FLOATS, w, w2 + i), c2);
            c3 = a.fma(FloatVector.fromArray(FLOATS, w, w3 + i), c3);
        }
        reduce4(s, 0, c0, c1, c2, c3);
    }

    private static void reduce4(float[] s, int at, FloatVector c0, FloatVector c1, FloatVector c2, FloatVector c3) {
        s[at] = c0.reduceLanes(VectorOperators.ADD);
        s[at + 1] = c1.reduceLanes(VectorOperators.ADD);
        s[at + 2] = c2.reduceLanes(VectorOperators.ADD);
        s[at + 3] = c3.reduceLanes(VectorOperators.ADD);
    }
}
