package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import dev.gptneo.kernels.DType;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * {@code out = x · wᵀ + bias}, optionally followed by gelu_new, for one row (decode) or many
 * (prefill). One instance per backend, reused for every call, so a call allocates nothing.
 *
 * <p>F32 matrices are {@link PanelWeight}s, packed at load as BLAS packs a panel: {@link #PANEL}
 * weight rows, transposed so that step i of the inner loop reads the panel's i-th column as
 * consecutive vectors. A register tile of {@link #TILE} rows by two vectors (8 × 2 with AVX-512's
 * registers, 6 × 2 with AVX2's) multiplies that many rows of x at a time by a panel as outer
 * products (why outer products: {@link OuterProduct}), one row of x a 1 × 2 tile; so from
 * one row to hundreds it is one kernel, which sums each output in the same order (batch invariance,
 * see PanelWeight), streams each panel once per call, and nears the FMA peak from a few rows on.
 * Of several rows, one goes first: its light loop streams the panel from memory into cache, and
 * the tiles then read it there, the two to four rows left after whole tiles in one 4-row
 * tile, so that few FMAs are wasted on repeated rows (a 4-row tile streaming the panel read it
 * slower than one row: docs/performance.md).
 * A chunk of work is a panel and a range of rows of x, so that small matrices still split evenly.
 *
 * <p>BF16, F16 and Q8_0 matrices are packed at load into the same panels at 16 or 8 bits
 * ({@link NarrowPanelWeight}): each panel is widened into floats in cache, then multiplied by the
 * same tiles. In decode, BF16 and Q8_0 are widened in registers once for up to
 * {@link #REGISTER_ROWS} rows of x at a time (up to {@link #BF16_REGISTER_ROWS_MAX} and
 * {@link #Q8_REGISTER_ROWS_MAX} rows in all), and F16 at fewer than {@link #MIN_TILE_ROWS} rows
 * a run of {@link #RUN_STEPS} steps at a time into a buffer that stays in L1: a store and a reload per
 * weight slowed decode. Each output is summed in the same order either way, so these formats are
 * batch invariant too, and decode reads two bytes a weight, or one and a scale per block.
 *
 * <p>Several weights that share the input ({@link #multiplyEach}) are one run of panels, so one
 * hand-over to the workers serves them all: each hand-over costs the wait for the last chunk and
 * the streams' ramp-up, and a decode step has dozens of them (figures in
 * docs/performance-notes.md).
 *
 * <p>The tiles here are a copy of {@link OuterProduct}'s with the panel width a constant: one
 * compiled method serving both this and attention made the products slower (C2 compiles a
 * method once, with the loop profile of all callers; docs/performance-notes.md). For the same
 * reason each format's 4-row tile is its own (F32's reads a panel in cache, the narrow formats'
 * widen one in registers), as are the narrow formats' other register tiles, though they differ only in
 * how a step's two weight vectors are made. {@link #tile6} and {@link #tile8} repeat each other's
 * lines for the same reason: a tile's sums are locals, one per register, which no loop can index.
 */
final class Matmul implements WorkerPool.Task {

    /**
     * Rows of x per register tile, as many as the vector registers hold sums for: with 32 (AVX-512)
     * a {@link #tile8}, sixteen sums (eight rows by a panel's two vectors), the two weight vectors
     * and a broadcast; with 16 (AVX2) a {@link #tile6}, twelve sums, where a 4 × 4 tile spilled
     * (BLIS's 6 × 16 for the same reason). A remainder of {@link #MIN_REMAINDER_ROWS} or more rows
     * still runs as a tile: up to {@link #SMALL_TILE_ROWS} rows a {@link #tile4}, more a full tile
     * whose rows past the remainder are not stored.
     */
    static final int TILE = Lanes.VECTOR_REGISTERS >= 32 ? 8 : 6;
    /** The fewest rows of x for which an F16 panel is widened whole into cache for the tiles; fewer widen it a run at a time. */
    private static final int MIN_TILE_ROWS = 4;
    /**
     * The fewest rows, of those still to multiply by a panel in cache, that run as a tile: one at
     * a time, each row would take a step per FMA latency, where a tile is bound by its FMAs.
     */
    private static final int MIN_REMAINDER_ROWS = 2;
    /**
     * The most rows of x that BF16 and Q8_0 panels are widened for in registers at once, once for
     * all of them ({@link #tile2}, {@link #tile4}): at 4 rows, widening a whole panel into cache
     * for a 6-row tile took up to twice as long, and at 3 rows a pass per row widened every weight
     * three times (docs/performance.md).
     */
    private static final int REGISTER_ROWS = 4;
    /**
     * The most rows of x for which a BF16 panel is widened in registers, {@link #REGISTER_ROWS}
     * rows at a time, rather than into cache: widening a BF16 vector (a shift or a mask) costs
     * less than storing and reloading it, up to this many rows; beyond, the two are level
     * (docs/performance.md).
     */
    private static final int BF16_REGISTER_ROWS_MAX = 16;
    /** As {@link #BF16_REGISTER_ROWS_MAX}, for Q8_0: its widening (convert, then scale) costs more, level from 12 rows. */
    private static final int Q8_REGISTER_ROWS_MAX = 8;
    /** The most rows of a remainder after whole tiles that run as a {@link #tile4} rather than a whole tile. */
    private static final int SMALL_TILE_ROWS = 4;
    /** Steps of a narrow panel widened at a time in decode: 64 of its columns of floats, in L1 with the sums. */
    private static final int RUN_STEPS = 64;
    /** Steps of a group of x's rows packed at a time ({@link #packTiles}): 8 KB of xTiles. */
    private static final int PACK_STEPS = 256;
    /** Output columns of a panel: one tile's width. */
    private static final int PANEL = PanelWeight.WIDTH;

    /** Per worker: a panel's weight rows widened (row-major), then packed (column-major); or a 16-bit panel widened. */
    private final float[][] widened;
    private final float[][] packed;
    private final float[][] sums;

    // The operands of the call in progress.
    private float[] x;
    /**
     * For {@link #tile8}: x's rows in groups of {@link #TILE}, step by step (group g's row r,
     * element i at {@code g * TILE * k + i * TILE + r}), so that a tile's broadcasts load from
     * one address plus constants. With x's rows at their own offsets the tile ran at 0.85 of
     * this speed (docs/performance-notes.md).
     */
    private float[] xTiles = new float[0];
    private float[] bias;
    private int rows;
    private int k;
    private int chunks;
    private boolean gelu;
    /** The weights of the call, their outputs, and the running total of their panels. */
    private Weight[] parts = new Weight[1];
    private float[][] partOuts = new float[1][];
    private int[] partEnds = new int[1];
    private int partCount;
    /** Panels: chunks per panel, each a range of rows of x. */
    private int rowSplits;

    Matmul(int workers) {
        widened = new float[workers][];
        packed = new float[workers][];
        sums = new float[workers][TILE * PANEL];
    }

    /**
     * @param bias n floats, or null
     * @param gelu whether to apply gelu_new to the result (while it is still in cache)
     */
    void multiply(WorkerPool pool, FloatRows x, Weight w, float[] bias, FloatRows out, boolean gelu) {
        checkShapes(x, w, out);
        partCount = 0;
        addPart(w, out);
        run(pool, x, bias, gelu);
    }

    /** {@code outs[i] = x · ws[i]ᵀ}, no bias: one task over the panels of all the weights. */
    void multiplyEach(WorkerPool pool, FloatRows x, Weight[] ws, FloatRows[] outs) {
        if (ws.length == 0) {
            return;
        }
        partCount = 0;
        for (int i = 0; i < ws.length; i++) {
            checkShapes(x, ws[i], outs[i]);
            addPart(ws[i], outs[i]);
        }
        run(pool, x, null, false);
    }

    /** Runs the parts added in chunks over all their panels. */
    private void run(WorkerPool pool, FloatRows x, float[] bias, boolean gelu) {
        this.rows = x.rows();
        this.k = x.cols();
        this.bias = bias;
        this.gelu = gelu;
        this.x = x.data();
        if (TILE == 8 && rows > SMALL_TILE_ROWS && someTile8()) {
            packTiles();
        }
        int units = partEnds[partCount - 1];
        rowSplits = Math.clamp(Math.ceilDiv(wantedChunks(pool), units), 1, Math.ceilDiv(rows, TILE));
        chunks = (int) Math.min((long) units * rowSplits, WorkerPool.MAX_CHUNKS);
        try {
            pool.run(chunks, this);
        } finally {
            release();
        }
    }

    /**
     * Whether a part of the call may run {@link #tile8}: not when every part is a narrow weight
     * that these rows multiply in registers ({@link #fewRows}, BF16 and Q8_0 decode), which
     * would leave xTiles unread.
     */
    private boolean someTile8() {
        for (int p = 0; p < partCount; p++) {
            if (!(parts[p] instanceof NarrowPanelWeight narrow) || rows > fewRowsAtMost(narrow)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Copies x into {@link #xTiles}, its last group filled up with zeros: a group's rows
     * {@link #PACK_STEPS} steps at a time, so that the part of xTiles they fill stays in L1 until
     * all eight have written it (row by row over all of k, packing 512 × 3072 took 1.6 × as long).
     */
    private void packTiles() {
        int padded = Math.ceilDiv(rows, TILE) * TILE;
        if (xTiles.length < padded * k) {
            xTiles = new float[padded * k];
        }
        for (int g = 0; g < padded; g += TILE) {
            for (int i0 = 0; i0 < k; i0 += PACK_STEPS) {
                int end = Math.min(k, i0 + PACK_STEPS);
                for (int r = g; r < g + TILE; r++) {
                    int to = g * k + i0 * TILE + r - g;
                    if (r < rows) {
                        for (int i = r * k + i0, last = r * k + end; i < last; i++, to += TILE) {
                            xTiles[to] = x[i];
                        }
                    } else {
                        for (int i = i0; i < end; i++, to += TILE) {
                            xTiles[to] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Drops the call's operands, so that a finished call holds on to nothing. */
    private void release() {
        this.x = null;
        this.bias = null;
        Arrays.fill(parts, null);
        Arrays.fill(partOuts, null);
    }

    private static int wantedChunks(WorkerPool pool) {
        return Math.min(WorkerPool.CHUNKS_PER_WORKER * pool.size(), WorkerPool.MAX_CHUNKS);
    }

    private static void checkShapes(FloatRows x, Weight w, FloatRows out) {
        if (w.cols() != x.cols() || out.cols() != w.rows() || out.rows() != x.rows()) {
            throw new IllegalArgumentException("matmul shapes: x " + x.rows() + "x" + x.cols() + ", w "
                    + w.rows() + "x" + w.cols() + ", out " + out.rows() + "x" + out.cols());
        }
    }

    /** Appends a weight of the call; its panels follow those of the weights before it. */
    private void addPart(Weight weight, FloatRows output) {
        if (partCount == parts.length) {
            parts = Arrays.copyOf(parts, partCount + 1);
            partOuts = Arrays.copyOf(partOuts, partCount + 1);
            partEnds = Arrays.copyOf(partEnds, partCount + 1);
        }
        parts[partCount] = weight;
        partOuts[partCount] = output.data();
        int units = Math.ceilDiv(weight.rows(), PANEL);
        partEnds[partCount] = (partCount == 0 ? 0 : partEnds[partCount - 1]) + units;
        partCount++;
    }

    @Override
    public void run(int worker, int chunk) {
        // A unit of work is (panel of the parts' panels end to end, split of the rows); a chunk is a run of units.
        long units = (long) partEnds[partCount - 1] * rowSplits;
        int tiles = Math.ceilDiv(rows, TILE);
        for (long unit = units * chunk / chunks; unit < units * (chunk + 1) / chunks; unit++) {
            int split = (int) (unit % rowSplits);
            int rowFrom = tiles * split / rowSplits * TILE;
            int rowTo = Math.min(tiles * (split + 1) / rowSplits * TILE, rows);
            int panel = (int) (unit / rowSplits);
            int p = 0;
            while (panel >= partEnds[p]) {
                p++;
            }
            panel(worker, p, (panel - (p == 0 ? 0 : partEnds[p - 1])) * PANEL, rowFrom, rowTo);
        }
    }

    /**
     * Output columns {@code j0…j0+PANEL-1} (fewer at the end) of part {@code p} for rows
     * {@code rowFrom…rowTo-1}: from the packed panel of a {@link PanelWeight}, from a
     * {@link NarrowPanelWeight}'s panel widened here, else from its rows widened and packed here.
     */
    private void panel(int worker, int p, int j0, int rowFrom, int rowTo) {
        Weight w = parts[p];
        float[] out = partOuts[p];
        int n = w.rows();
        int valid = Math.min(PANEL, n - j0);
        float[] panel;
        if (w instanceof PanelWeight packedWeight) {
            panel = packedWeight.panels()[j0 / PANEL];
        } else if (w instanceof NarrowPanelWeight narrow && rowTo - rowFrom <= fewRowsAtMost(narrow)) {
            fewRows(worker, narrow, j0, rowFrom, rowTo, out);
            return;
        } else if (w instanceof NarrowPanelWeight narrow) {
            panel = buffer(packed, worker, PANEL * k);
            narrow.widen(j0 / PANEL, 0, k, panel);
        } else {
            float[] rowMajor = buffer(widened, worker, PANEL * k);
            panel = buffer(packed, worker, PANEL * k);
            w.decodeRows(j0, valid, rowMajor, 0);
            // Columns of a last panel past n keep stale floats: their results are never stored.
            for (int c = 0; c < valid; c++) {
                for (int i = 0, from = c * k, to = c; i < k; i++, to += PANEL) {
                    panel[to] = rowMajor[from + i];
                }
            }
        }
        float[] s = sums[worker];
        int chunkRows = rowTo - rowFrom;
        int tilesTo = rowTo;
        if (chunkRows > 1 && w instanceof PanelWeight) {
            // The panel comes from memory: the last row first, whose light loop streams it into
            // cache at the speed of a one-row product, then the tiles from cache. A tile that
            // streams the panel itself runs too many instructions per byte to keep enough reads
            // in flight, even one of four rows.
            tilesTo--;
            Arrays.fill(s, 0, PANEL, 0f);
            tile1(x, tilesTo * k, k, panel, s, 0);
            store(s, 1, tilesTo, j0, valid, out, n);
        }
        int r = rowFrom;
        for (; r + MIN_REMAINDER_ROWS <= tilesTo; r += TILE) {
            int count = Math.min(TILE, tilesTo - r);
            if (count <= SMALL_TILE_ROWS) {
                tile4(x, r * k, count, k, panel, s);
            } else if (TILE == 8) {
                tile8(xTiles, r * k, k, panel, s);
            } else {
                tile6(x, r * k, count, k, panel, s);
            }
            store(s, count, r, j0, valid, out, n);
        }
        for (; r < tilesTo; r++) {
            Arrays.fill(s, 0, PANEL, 0f);
            tile1(x, r * k, k, panel, s, 0);
            store(s, 1, r, j0, valid, out, n);
        }
        applyGelu(out, n, rowFrom, rowTo, j0, valid);
    }

    /**
     * A few rows of x ({@link #fewRowsAtMost}; decode) times a narrow panel, without widening all of it first: a
     * store and a reload per weight, from L2 when k is 3072, slowed decode. BF16 and Q8_0 are
     * widened in registers, for up to {@link #REGISTER_ROWS} rows at a time; F16, which the
     * Vector API cannot widen, {@link #RUN_STEPS} steps at a time into a buffer that stays in L1,
     * the rows' sums carried in {@code sums} from run to run.
     */
    private void fewRows(int worker, NarrowPanelWeight w, int j0, int rowFrom, int rowTo, float[] out) {
        int n = w.rows();
        int valid = Math.min(PANEL, n - j0);
        float[] s = sums[worker];
        if (w instanceof Q8PanelWeight || w.dtype() == DType.BF16) {
            for (int r = rowFrom; r < rowTo; r += REGISTER_ROWS) {
                int count = Math.min(REGISTER_ROWS, rowTo - r);
                registerTile(w, j0 / PANEL, r, count, s);
                store(s, count, r, j0, valid, out, n);
            }
        } else {
            int count = rowTo - rowFrom;
            Arrays.fill(s, 0, count * PANEL, 0f);
            float[] run = buffer(packed, worker, RUN_STEPS * PANEL);
            for (int i = 0; i < k; i += RUN_STEPS) {
                int steps = Math.min(RUN_STEPS, k - i);
                w.widen(j0 / PANEL, i, steps, run);
                for (int r = 0; r < count; r++) {
                    tile1(x, (rowFrom + r) * k + i, steps, run, s, r * PANEL);
                }
            }
            store(s, count, rowFrom, j0, valid, out, n);
        }
        applyGelu(out, n, rowFrom, rowTo, j0, valid);
    }

    /** Rows {@code r…r+count-1} of x (1 to {@link #REGISTER_ROWS}) times panel p of a BF16 or Q8_0 weight. */
    private void registerTile(NarrowPanelWeight w, int p, int r, int count, float[] s) {
        if (count == 1) {
            Arrays.fill(s, 0, PANEL, 0f);
        }
        if (w instanceof Q8PanelWeight q8) {
            switch (count) {
                case 1 -> tile1(x, r * k, k, q8, p, s, 0);
                case 2 -> tile2(x, r * k, k, q8, p, s);
                default -> tile4(x, r * k, count, k, q8, p, s);
            }
        } else {
            short[] values = ((HalfPanelWeight) w).panels();
            int base = HalfPanelWeight.offset(p, k);
            switch (count) {
                case 1 -> tile1(x, r * k, k, values, base, s, 0);
                case 2 -> tile2(x, r * k, k, values, base, s);
                default -> tile4(x, r * k, count, k, values, base, s);
            }
        }
    }

    private void applyGelu(float[] output, int columns, int rowFrom, int rowTo, int j0, int count) {
        if (gelu) {
            for (int r = rowFrom; r < rowTo; r++) {
                VectorMath.gelu(output, r * columns + j0, count);
            }
        }
    }

    private static float[] buffer(float[][] buffers, int worker, int length) {
        if (buffers[worker] == null || buffers[worker].length < length) {
            buffers[worker] = new float[length];
        }
        return buffers[worker];
    }

    /** Writes the first {@code cols} columns of a tile's rows, plus the bias, to out (n columns). */
    private void store(float[] s, int tileRows, int r0, int j0, int cols, float[] out, int n) {
        for (int rr = 0; rr < tileRows; rr++) {
            int o = (r0 + rr) * n + j0;
            int c = 0;
            if (cols == PANEL) {
                for (; c < PANEL; c += LENGTH) {
                    FloatVector v = FloatVector.fromArray(FLOATS, s, rr * PANEL + c);
                    (bias == null ? v : v.add(FloatVector.fromArray(FLOATS, bias, j0 + c))).intoArray(out, o + c);
                }
            }
            for (; c < cols; c++) {
                out[o + c] = bias == null ? s[rr * PANEL + c] : s[rr * PANEL + c] + bias[j0 + c];
            }
        }
    }

    /**
     * Eight rows of x, a group of {@link #xTiles} from {@code xo} (those past the rows wanted are
     * other rows or zeros, their sums not stored), times a packed panel, summed as {@link #tile6}
     * sums: the tile for 32 vector registers.
     */
    private static void tile8(float[] xp, int xo, int k, float[] panel, float[] s) {
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int i = 0, p = 0, q = xo; i < k; i++, p += PANEL, q += TILE) {
            FloatVector b0 = FloatVector.fromArray(FLOATS, panel, p);
            FloatVector b1 = FloatVector.fromArray(FLOATS, panel, p + LENGTH);
            FloatVector a = FloatVector.broadcast(FLOATS, xp[q]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(FLOATS, xp[q + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(FLOATS, xp[q + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(FLOATS, xp[q + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(FLOATS, xp[q + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(FLOATS, xp[q + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(FLOATS, xp[q + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(FLOATS, xp[q + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        // Stored inline: vectors passed to a helper C2 does not inline would be boxed (see OuterProduct).
        c00.intoArray(s, 0);
        c01.intoArray(s, LENGTH);
        c10.intoArray(s, PANEL);
        c11.intoArray(s, PANEL + LENGTH);
        c20.intoArray(s, 2 * PANEL);
        c21.intoArray(s, 2 * PANEL + LENGTH);
        c30.intoArray(s, 3 * PANEL);
        c31.intoArray(s, 3 * PANEL + LENGTH);
        c40.intoArray(s, 4 * PANEL);
        c41.intoArray(s, 4 * PANEL + LENGTH);
        c50.intoArray(s, 5 * PANEL);
        c51.intoArray(s, 5 * PANEL + LENGTH);
        c60.intoArray(s, 6 * PANEL);
        c61.intoArray(s, 6 * PANEL + LENGTH);
        c70.intoArray(s, 7 * PANEL);
        c71.intoArray(s, 7 * PANEL + LENGTH);
    }

    /**
     * Up to six rows of x (from x0, stride k; {@code count} of them, the missing ones repeating
     * the last, whose sums are not stored) times a packed panel: at step i, the two vectors of the
     * panel's column i, each multiplied by the rows' element i. The tile for 16 vector registers;
     * with its rows packed as {@link #tile8}'s are, C2 hoisted broadcasts and spilled sums.
     */
    private static void tile6(float[] x, int x0, int count, int k, float[] panel, float[] s) {
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int last = count - 1;
        int x1 = x0 + Math.min(1, last) * k, x2 = x0 + Math.min(2, last) * k, x3 = x0 + Math.min(3, last) * k;
        int x4 = x0 + Math.min(4, last) * k, x5 = x0 + Math.min(5, last) * k;
        for (int i = 0, p = 0; i < k; i++, p += PANEL) {
            FloatVector b0 = FloatVector.fromArray(FLOATS, panel, p);
            FloatVector b1 = FloatVector.fromArray(FLOATS, panel, p + LENGTH);
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + i]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(FLOATS, x[x1 + i]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(FLOATS, x[x2 + i]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(FLOATS, x[x3 + i]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(FLOATS, x[x4 + i]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(FLOATS, x[x5 + i]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        // Stored inline: vectors passed to a helper C2 does not inline would be boxed (see OuterProduct).
        c00.intoArray(s, 0);
        c01.intoArray(s, LENGTH);
        c10.intoArray(s, PANEL);
        c11.intoArray(s, PANEL + LENGTH);
        c20.intoArray(s, 2 * PANEL);
        c21.intoArray(s, 2 * PANEL + LENGTH);
        c30.intoArray(s, 3 * PANEL);
        c31.intoArray(s, 3 * PANEL + LENGTH);
        c40.intoArray(s, 4 * PANEL);
        c41.intoArray(s, 4 * PANEL + LENGTH);
        c50.intoArray(s, 5 * PANEL);
        c51.intoArray(s, 5 * PANEL + LENGTH);
    }

    /**
     * Two to {@link #SMALL_TILE_ROWS} rows of x (from x0, stride k; {@code count} of them, the
     * missing ones repeating the last, whose sums are not stored) times a panel in cache, each
     * output summed in the order of {@link #tile6}: the rows left after whole tiles, fewer FMAs
     * wasted on repeated rows than in a whole tile.
     */
    private static void tile4(float[] x, int x0, int count, int k, float[] panel, float[] s) {
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int x1 = x0 + k, x2 = x0 + Math.min(2, count - 1) * k, x3 = x0 + (count - 1) * k;
        for (int i = 0, p = 0; i < k; i++, p += PANEL) {
            FloatVector w0 = FloatVector.fromArray(FLOATS, panel, p);
            FloatVector w1 = FloatVector.fromArray(FLOATS, panel, p + LENGTH);
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + i]);
            c00 = a.fma(w0, c00);
            c01 = a.fma(w1, c01);
            a = FloatVector.broadcast(FLOATS, x[x1 + i]);
            c10 = a.fma(w0, c10);
            c11 = a.fma(w1, c11);
            a = FloatVector.broadcast(FLOATS, x[x2 + i]);
            c20 = a.fma(w0, c20);
            c21 = a.fma(w1, c21);
            a = FloatVector.broadcast(FLOATS, x[x3 + i]);
            c30 = a.fma(w0, c30);
            c31 = a.fma(w1, c31);
        }
        c00.intoArray(s, 0);
        c01.intoArray(s, LENGTH);
        c10.intoArray(s, PANEL);
        c11.intoArray(s, PANEL + LENGTH);
        c20.intoArray(s, 2 * PANEL);
        c21.intoArray(s, 2 * PANEL + LENGTH);
        c30.intoArray(s, 3 * PANEL);
        c31.intoArray(s, 3 * PANEL + LENGTH);
    }

    /**
     * One row of x times the first {@code steps} steps of a packed panel (decode of one sequence,
     * a row that streams a panel in before the tiles, and a row left over after them), added to
     * {@code s[so…so+PANEL)}:
     * each output summed in the order of {@link #tile6}, from zero in s, also when a product
     * comes in runs of steps.
     */
    private static void tile1(float[] x, int x0, int steps, float[] panel, float[] s, int so) {
        FloatVector c0 = FloatVector.fromArray(FLOATS, s, so), c1 = FloatVector.fromArray(FLOATS, s, so + LENGTH);
        for (int i = 0, p = 0; i < steps; i++, p += PANEL) {
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + i]);
            c0 = a.fma(FloatVector.fromArray(FLOATS, panel, p), c0);
            c1 = a.fma(FloatVector.fromArray(FLOATS, panel, p + LENGTH), c1);
        }
        c0.intoArray(s, so);
        c1.intoArray(s, so + LENGTH);
    }

    /**
     * {@link #tile1} over a BF16 {@link HalfPanelWeight}'s panel at {@code base}, each weight
     * widened in registers to the float {@link HalfPanelWeight#widen} would store: the same sums.
     */
    private static void tile1(float[] x, int x0, int k, short[] values, int base, float[] s, int so) {
        FloatVector c0 = FloatVector.fromArray(FLOATS, s, so), c1 = FloatVector.fromArray(FLOATS, s, so + LENGTH);
        for (int i = 0, p = base; i < k; i++, p += PANEL) {
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + i]);
            IntVector w = HalfPanelWeight.pairs(values, p);
            c0 = a.fma(HalfPanelWeight.low(w), c0);
            c1 = a.fma(HalfPanelWeight.high(w), c1);
        }
        c0.intoArray(s, so);
        c1.intoArray(s, so + LENGTH);
    }

    /**
     * {@link #tile1} over panel {@code p} of a {@link Q8PanelWeight}, each weight widened and
     * scaled in registers to the float {@link Q8PanelWeight#widen} would store: the same sums.
     * (Widened into a buffer first, decode read a third of the bytes per second.)
     */
    private static void tile1(float[] x, int x0, int k, Q8PanelWeight w, int p, float[] s, int so) {
        byte[] values = w.values();
        float[] scales = w.scales();
        FloatVector c0 = FloatVector.fromArray(FLOATS, s, so), c1 = FloatVector.fromArray(FLOATS, s, so + LENGTH);
        for (int i = 0, v = w.valuesOffset(p), sc = w.scalesOffset(p); i < k; sc += PANEL) {
            FloatVector s0 = FloatVector.fromArray(FLOATS, scales, sc), s1 = FloatVector.fromArray(FLOATS, scales, sc + LENGTH);
            for (int end = Math.min(k, i + DType.Q8_BLOCK); i < end; i++, v += PANEL) {
                FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + i]);
                c0 = a.fma(Q8PanelWeight.widen(values, v).mul(s0), c0);
                c1 = a.fma(Q8PanelWeight.widen(values, v + LENGTH).mul(s1), c1);
            }
        }
        c0.intoArray(s, so);
        c1.intoArray(s, so + LENGTH);
    }

    /**
     * Two rows of x times a BF16 panel at {@code base}, each weight widened in registers once for
     * both: summed as {@link #tile1} sums each row. (As {@link #tile4} with two rows repeated, two
     * rows ran half the FMAs for nothing; with those rows skipped by a flag, C2's four-row loop
     * got slower.)
     */
    private static void tile2(float[] x, int x0, int k, short[] values, int base, float[] s) {
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c10 = c00, c11 = c00;
        int x1 = x0 + k;
        for (int i = 0, p = base; i < k; i++, p += PANEL) {
            IntVector w = HalfPanelWeight.pairs(values, p);
            FloatVector w0 = HalfPanelWeight.low(w), w1 = HalfPanelWeight.high(w);
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + i]);
            c00 = a.fma(w0, c00);
            c01 = a.fma(w1, c01);
            a = FloatVector.broadcast(FLOATS, x[x1 + i]);
            c10 = a.fma(w0, c10);
            c11 = a.fma(w1, c11);
        }
        c00.intoArray(s, 0);
        c01.intoArray(s, LENGTH);
        c10.intoArray(s, PANEL);
        c11.intoArray(s, PANEL + LENGTH);
    }

    /** {@link #tile2} over panel {@code p} of a {@link Q8PanelWeight}, each weight widened and scaled as {@link #tile1} does. */
    private static void tile2(float[] x, int x0, int k, Q8PanelWeight w, int p, float[] s) {
        byte[] values = w.values();
        float[] scales = w.scales();
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c10 = c00, c11 = c00;
        int x1 = x0 + k;
        for (int i = 0, v = w.valuesOffset(p), sc = w.scalesOffset(p); i < k; sc += PANEL) {
            FloatVector s0 = FloatVector.fromArray(FLOATS, scales, sc), s1 = FloatVector.fromArray(FLOATS, scales, sc + LENGTH);
            for (int end = Math.min(k, i + DType.Q8_BLOCK); i < end; i++, v += PANEL) {
                FloatVector w0 = Q8PanelWeight.widen(values, v).mul(s0);
                FloatVector w1 = Q8PanelWeight.widen(values, v + LENGTH).mul(s1);
                FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + i]);
                c00 = a.fma(w0, c00);
                c01 = a.fma(w1, c01);
                a = FloatVector.broadcast(FLOATS, x[x1 + i]);
                c10 = a.fma(w0, c10);
                c11 = a.fma(w1, c11);
            }
        }
        c00.intoArray(s, 0);
        c01.intoArray(s, LENGTH);
        c10.intoArray(s, PANEL);
        c11.intoArray(s, PANEL + LENGTH);
    }

    /**
     * Three or four rows of x ({@code count}; a missing one repeats the last, its sums not stored)
     * times a BF16 panel at {@code base}, each weight widened in registers once for all the rows:
     * summed as {@link #tile1} sums each row.
     */
    private static void tile4(float[] x, int x0, int count, int k, short[] values, int base, float[] s) {
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int x1 = x0 + k, x2 = x0 + 2 * k, x3 = x0 + (count - 1) * k;
        for (int i = 0, p = base; i < k; i++, p += PANEL) {
            IntVector w = HalfPanelWeight.pairs(values, p);
            FloatVector w0 = HalfPanelWeight.low(w), w1 = HalfPanelWeight.high(w);
            FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + i]);
            c00 = a.fma(w0, c00);
            c01 = a.fma(w1, c01);
            a = FloatVector.broadcast(FLOATS, x[x1 + i]);
            c10 = a.fma(w0, c10);
            c11 = a.fma(w1, c11);
            a = FloatVector.broadcast(FLOATS, x[x2 + i]);
            c20 = a.fma(w0, c20);
            c21 = a.fma(w1, c21);
            a = FloatVector.broadcast(FLOATS, x[x3 + i]);
            c30 = a.fma(w0, c30);
            c31 = a.fma(w1, c31);
        }
        c00.intoArray(s, 0);
        c01.intoArray(s, LENGTH);
        c10.intoArray(s, PANEL);
        c11.intoArray(s, PANEL + LENGTH);
        c20.intoArray(s, 2 * PANEL);
        c21.intoArray(s, 2 * PANEL + LENGTH);
        c30.intoArray(s, 3 * PANEL);
        c31.intoArray(s, 3 * PANEL + LENGTH);
    }

    /** {@link #tile4} over panel {@code p} of a {@link Q8PanelWeight}, each weight widened and scaled as {@link #tile1} does. */
    private static void tile4(float[] x, int x0, int count, int k, Q8PanelWeight w, int p, float[] s) {
        byte[] values = w.values();
        float[] scales = w.scales();
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int x1 = x0 + k, x2 = x0 + 2 * k, x3 = x0 + (count - 1) * k;
        for (int i = 0, v = w.valuesOffset(p), sc = w.scalesOffset(p); i < k; sc += PANEL) {
            FloatVector s0 = FloatVector.fromArray(FLOATS, scales, sc), s1 = FloatVector.fromArray(FLOATS, scales, sc + LENGTH);
            for (int end = Math.min(k, i + DType.Q8_BLOCK); i < end; i++, v += PANEL) {
                FloatVector w0 = Q8PanelWeight.widen(values, v).mul(s0);
                FloatVector w1 = Q8PanelWeight.widen(values, v + LENGTH).mul(s1);
                FloatVector a = FloatVector.broadcast(FLOATS, x[x0 + i]);
                c00 = a.fma(w0, c00);
                c01 = a.fma(w1, c01);
                a = FloatVector.broadcast(FLOATS, x[x1 + i]);
                c10 = a.fma(w0, c10);
                c11 = a.fma(w1, c11);
                a = FloatVector.broadcast(FLOATS, x[x2 + i]);
                c20 = a.fma(w0, c20);
                c21 = a.fma(w1, c21);
                a = FloatVector.broadcast(FLOATS, x[x3 + i]);
                c30 = a.fma(w0, c30);
                c31 = a.fma(w1, c31);
            }
        }
        c00.intoArray(s, 0);
        c01.intoArray(s, LENGTH);
        c10.intoArray(s, PANEL);
        c11.intoArray(s, PANEL + LENGTH);
        c20.intoArray(s, 2 * PANEL);
        c21.intoArray(s, 2 * PANEL + LENGTH);
        c30.intoArray(s, 3 * PANEL);
        c31.intoArray(s, 3 * PANEL + LENGTH);
    }

    /** The most rows of x {@link #fewRows} takes for this format: BF16 and Q8_0 widen in registers. */
    private static int fewRowsAtMost(NarrowPanelWeight w) {
        if (w instanceof Q8PanelWeight) {
            return Q8_REGISTER_ROWS_MAX;
        }
        return w.dtype() == DType.BF16 ? BF16_REGISTER_ROWS_MAX : MIN_TILE_ROWS - 1;
    }
}
