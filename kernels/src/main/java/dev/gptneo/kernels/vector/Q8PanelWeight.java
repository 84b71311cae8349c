package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.BYTES;
import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.Q8Matrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A Q8_0 matrix packed once, at load, into {@link PanelWeight}'s panels, still one byte an
 * element: a panel's steps of int8 values, and for each block of {@link DType#Q8_BLOCK} steps
 * the scales of its {@link PanelWeight#WIDTH} columns. {@link Matmul} runs the F32 tiles over a
 * panel widened into floats in cache, so that batched products near the FMA peak (stored row by
 * row, each weight vector was widened and scaled for every pass of four rows of x), and every
 * output is summed in one order whatever the number of rows of x (batch invariance).
 *
 * @param values {@code ceil(rows / WIDTH) × cols × WIDTH} int8 values: the panels end to end,
 *     panel p from {@link #offset}, weight element (p × WIDTH + c, i) at {@code i × WIDTH + c}
 * @param scales per panel, per block of steps, the scales of the panel's columns (0 for a last
 *     panel's padding), {@code WIDTH} floats from {@code (p × blocks + b) × WIDTH}
 */
record Q8PanelWeight(int rows, int cols, byte[] values, float[] scales) implements NarrowPanelWeight {

    private static final int BLOCK = DType.Q8_BLOCK;
    private static final int WIDTH = PanelWeight.WIDTH;

    /** Lays a quantized matrix's values and scales out in panels. */
    static Q8PanelWeight pack(Q8Matrix matrix) {
        int rows = matrix.rows();
        int cols = matrix.cols();
        int blocks = matrix.blocksPerRow();
        int panelRows = Math.ceilDiv(rows, WIDTH) * WIDTH;
        byte[] values = new byte[Math.multiplyExact(panelRows, cols)];
        float[] scales = new float[Math.multiplyExact(panelRows, blocks)];
        for (int j = 0; j < rows; j++) {
            int lane = j % WIDTH;
            int panel = j / WIDTH;
            for (int i = 0, to = offset(panel, cols) + lane; i < cols; i++, to += WIDTH) {
                values[to] = matrix.quants()[j * cols + i];
            }
            for (int b = 0; b < blocks; b++) {
                scales[(panel * blocks + b) * WIDTH + lane] = matrix.scales()[j * blocks + b];
            }
        }
        return new Q8PanelWeight(rows, cols, values, scales);
    }

    /** Where panel {@code p} starts in {@link #values}, the panels laid end to end. */
    private static int offset(int panel, int cols) {
        return panel * cols * WIDTH;
    }

    private int blocks() {
        return Math.ceilDiv(cols, BLOCK);
    }

    @Override
    public DType dtype() {
        return DType.Q8_0;
    }

    /**
     * Each block's steps in one loop with the block's two scale vectors in registers: a step is
     * two loads that widen int8 to int, two conversions, two multiplies and two stores.
     */
    @Override
    public void widen(int p, int step, int steps, float[] dst) {
        int blocks = blocks();
        int base = offset(p, cols);
        for (int i = step, end = step + steps, o = 0; i < end; ) {
            int b = i / BLOCK;
            int blockEnd = Math.min(end, (b + 1) * BLOCK);
            int so = (p * blocks + b) * WIDTH;
            FloatVector s0 = FloatVector.fromArray(FLOATS, scales, so);
            FloatVector s1 = FloatVector.fromArray(FLOATS, scales, so + LENGTH);
            for (int v = base + i * WIDTH; i < blockEnd; i++, v += WIDTH, o += WIDTH) {
                widen(values, v).mul(s0).intoArray(dst, o);
                widen(values, v + LENGTH).mul(s1).intoArray(dst, o + LENGTH);
            }
        }
    }

    /** The {@code LENGTH} int8 values at {@code index}, as floats: sign-extended and converted in one step. */
    static FloatVector widen(byte[] values, int index) {
        return (FloatVector) ByteVector.fromArray(BYTES, values, index).convertShape(VectorOperators.B2F, FLOATS, 0);
    }

    /** Where panel {@code p}'s values start in {@link #values}. */
    int valuesOffset(int p) {
        return offset(p, cols);
    }

    /** Where panel {@code p}'s scales for block 0 start in {@link #scales}; block b's are {@code b × WIDTH} further. */
    int scalesOffset(int p) {
        return p * blocks() * WIDTH;
    }

    /** Gathers rows back out of their panels (the embeddings' lookups), each value times its block's scale. */
    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        int blocks = blocks();
        for (int j = first; j < first + count; j++) {
            int o = offset + (j - first) * cols;
            int lane = j % WIDTH;
            int panel = j / WIDTH;
            for (int i = 0, from = offset(panel, cols) + lane; i < cols; i++, from += WIDTH) {
                dst[o + i] = values[from] * scales[(panel * blocks + i / BLOCK) * WIDTH + lane];
            }
        }
    }
}
