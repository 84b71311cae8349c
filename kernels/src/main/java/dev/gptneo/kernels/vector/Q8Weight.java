package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.BYTES;
import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.Q8Matrix;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0 weights, each block stored as llama.cpp does: its float scale, then its int8 values, so
 * that a row is one stream (scales in a separate array are a second stream per row, which
 * streams slower). int8 lanes are sign-extended and converted to float in one step. A
 * float vector never straddles two blocks: the lane count (8 or 16) divides the block size 32,
 * and each row starts a new block.
 *
 * @param data per row, per block: the scale (4 bytes, little-endian), then the block's values
 */
record Q8Weight(int rows, int cols, byte[] data) implements StreamedWeight {

    private static final VarHandle SCALE = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int BLOCK = DType.Q8_BLOCK;
    /** Bytes of a full block: scale and values. */
    private static final int STRIDE = Float.BYTES + BLOCK;
    /** Float vectors in one block: the lane count divides the block size. */
    private static final int BLOCK_VECTORS = BLOCK / LENGTH;

    /** Lays out a quantized matrix block by block. */
    static Q8Weight of(Q8Matrix matrix) {
        int cols = matrix.cols();
        int blocks = matrix.blocksPerRow();
        byte[] data = new byte[Math.toIntExact(matrix.byteSize())];
        for (int r = 0, at = 0; r < matrix.rows(); r++) {
            for (int b = 0; b < blocks; b++) {
                int count = Math.min(BLOCK, cols - b * BLOCK);
                SCALE.set(data, at, matrix.scales()[r * blocks + b]);
                System.arraycopy(matrix.quants(), r * cols + b * BLOCK, data, at + Float.BYTES, count);
                at += Float.BYTES + count;
            }
        }
        return new Q8Weight(matrix.rows(), cols, data);
    }

    @Override
    public DType dtype() {
        return DType.Q8_0;
    }

    /** Where row r's first block starts: every row has the same size. */
    private int rowStart(int r) {
        return r * (cols + Float.BYTES * Math.ceilDiv(cols, BLOCK));
    }

    private float scale(int at) {
        return (float) SCALE.get(data, at);
    }

    /** The {@code LENGTH} int8 values at byte {@code index}, as floats. */
    private FloatVector widen(int index) {
        return (FloatVector) ByteVector.fromArray(BYTES, data, index).convertShape(VectorOperators.B2F, FLOATS, 0);
    }

    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        for (int r = first; r < first + count; r++) {
            int at = rowStart(r);
            int out = offset + (r - first) * cols;
            for (int c = 0; c < cols; c += BLOCK, at += STRIDE) {
                float scale = scale(at);
                int end = Math.min(cols, c + BLOCK);
                int i = c;
                for (; i + LENGTH <= end; i += LENGTH) {
                    widen(at + Float.BYTES + i - c).mul(scale).intoArray(dst, out + i);
                }
                for (; i < end; i++) {
                    dst[out + i] = data[at + Float.BYTES + i - c] * scale;
                }
            }
        }
    }

    /**
     * Each block's products are summed unscaled and multiplied by the block's scale once, four
     * blocks at a time in independent chains (faster than scaling every vector, as the conversion
     * leaves the FMA units little else to do; docs/performance-notes.md). Operands in the same
     * order as {@link BF16Weight#dotRows}'s.
     */
    @Override
    public void dotRows(float[] x, int xo, int from, int to, float[] out, int oo) {
        for (int row = from; row < to; row++) {
            int at = rowStart(row);
            int full = cols / BLOCK;
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
            int b = 0;
            for (; b + 4 <= full; b += 4, at += 4 * STRIDE) {
                FloatVector t0 = FloatVector.zero(FLOATS), t1 = t0, t2 = t0, t3 = t0;
                for (int v = 0, i = xo + b * BLOCK, q = at + Float.BYTES; v < BLOCK_VECTORS; v++, i += LENGTH, q += LENGTH) {
                    t0 = widen(q).fma(FloatVector.fromArray(FLOATS, x, i), t0);
                    t1 = widen(q + STRIDE).fma(FloatVector.fromArray(FLOATS, x, i + BLOCK), t1);
                    t2 = widen(q + 2 * STRIDE).fma(FloatVector.fromArray(FLOATS, x, i + 2 * BLOCK), t2);
                    t3 = widen(q + 3 * STRIDE).fma(FloatVector.fromArray(FLOATS, x, i + 3 * BLOCK), t3);
                }
                a0 = t0.fma(FloatVector.broadcast(FLOATS, scale(at)), a0);
                a1 = t1.fma(FloatVector.broadcast(FLOATS, scale(at + STRIDE)), a1);
                a2 = t2.fma(FloatVector.broadcast(FLOATS, scale(at + 2 * STRIDE)), a2);
                a3 = t3.fma(FloatVector.broadcast(FLOATS, scale(at + 3 * STRIDE)), a3);
            }
            // The remaining blocks one at a time; the last may be partial, its tail past the vectors scalar.
            float sum = 0;
            for (int c = b * BLOCK; c < cols; c += BLOCK, at += STRIDE) {
                int end = Math.min(cols, c + BLOCK);
                FloatVector t = FloatVector.zero(FLOATS);
                int i = c;
                for (; i + LENGTH <= end; i += LENGTH) {
                    t = widen(at + Float.BYTES + i - c).fma(FloatVector.fromArray(FLOATS, x, xo + i), t);
                }
                float scale = scale(at);
                a0 = t.fma(FloatVector.broadcast(FLOATS, scale), a0);
                for (; i < end; i++) {
                    sum += x[xo + i] * data[at + Float.BYTES + i - c] * scale;
                }
            }
            out[oo + row] = sum + a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        }
    }

    /**
     * With several rows of x, each weight vector is widened and scaled once (its block's scale,
     * broadcast once per block) and used for every row: the scaling is then one multiply per
     * weight vector, not one per FMA as it would be for a single row.
     */
    @Override
    public void dotRows2(float[] x, int xo, int from, int to, float[] out, int oo) {
        int x1 = xo + cols;
        int full = cols / BLOCK;
        for (int row = from; row < to; row++) {
            int at = rowStart(row);
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, b0 = a0, b1 = a0;
            for (int b = 0, c = 0; b < full; b++, at += STRIDE) {
                FloatVector scale = FloatVector.broadcast(FLOATS, scale(at));
                for (int v = 0, q = at + Float.BYTES; v < BLOCK_VECTORS; v += 2, q += 2 * LENGTH, c += 2 * LENGTH) {
                    FloatVector w0 = widen(q).mul(scale);
                    FloatVector w1 = widen(q + LENGTH).mul(scale);
                    a0 = w0.fma(FloatVector.fromArray(FLOATS, x, xo + c), a0);
                    a1 = w1.fma(FloatVector.fromArray(FLOATS, x, xo + c + LENGTH), a1);
                    b0 = w0.fma(FloatVector.fromArray(FLOATS, x, x1 + c), b0);
                    b1 = w1.fma(FloatVector.fromArray(FLOATS, x, x1 + c + LENGTH), b1);
                }
            }
            float s0 = a0.add(a1).reduceLanes(VectorOperators.ADD);
            float s1 = b0.add(b1).reduceLanes(VectorOperators.ADD);
            // A last, partial block: its vectors, then its tail, scaled as they are read.
            if (full * BLOCK < cols) {
                float scale = scale(at);
                int c = full * BLOCK, q = at + Float.BYTES - c;
                FloatVector t0 = FloatVector.zero(FLOATS), t1 = t0;
                for (; c + LENGTH <= cols; c += LENGTH) {
                    FloatVector w = widen(q + c);
                    t0 = w.fma(FloatVector.fromArray(FLOATS, x, xo + c), t0);
                    t1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + c), t1);
                }
                s0 += t0.reduceLanes(VectorOperators.ADD) * scale;
                s1 += t1.reduceLanes(VectorOperators.ADD) * scale;
                for (; c < cols; c++) {
                    float w = data[q + c] * scale;
                    s0 += x[xo + c] * w;
                    s1 += x[x1 + c] * w;
                }
            }
            out[oo + row] = s0;
            out[oo + rows + row] = s1;
        }
    }

    /** As {@link #dotRows2}, for four rows of x: two weight vectors per step, eight accumulators. */
    @Override
    public void dotRows4(float[] x, int xo, int from, int to, float[] out, int oo) {
        int x1 = xo + cols, x2 = x1 + cols, x3 = x2 + cols;
        int full = cols / BLOCK;
        for (int row = from; row < to; row++) {
            int at = rowStart(row);
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int b = 0, c = 0; b < full; b++, at += STRIDE) {
                FloatVector scale = FloatVector.broadcast(FLOATS, scale(at));
                for (int v = 0, q = at + Float.BYTES; v < BLOCK_VECTORS; v += 2, q += 2 * LENGTH, c += 2 * LENGTH) {
                    FloatVector w0 = widen(q).mul(scale);
                    FloatVector w1 = widen(q + LENGTH).mul(scale);
                    a0 = w0.fma(FloatVector.fromArray(FLOATS, x, xo + c), a0);
                    a1 = w0.fma(FloatVector.fromArray(FLOATS, x, x1 + c), a1);
                    a2 = w0.fma(FloatVector.fromArray(FLOATS, x, x2 + c), a2);
                    a3 = w0.fma(FloatVector.fromArray(FLOATS, x, x3 + c), a3);
                    b0 = w1.fma(FloatVector.fromArray(FLOATS, x, xo + c + LENGTH), b0);
                    b1 = w1.fma(FloatVector.fromArray(FLOATS, x, x1 + c + LENGTH), b1);
                    b2 = w1.fma(FloatVector.fromArray(FLOATS, x, x2 + c + LENGTH), b2);
                    b3 = w1.fma(FloatVector.fromArray(FLOATS, x, x3 + c + LENGTH), b3);
                }
            }
            float s0 = a0.add(b0).reduceLanes(VectorOperators.ADD);
            float s1 = a1.add(b1).reduceLanes(VectorOperators.ADD);
            float s2 = a2.add(b2).reduceLanes(VectorOperators.ADD);
            float s3 = a3.add(b3).reduceLanes(VectorOperators.ADD);
            if (full * BLOCK < cols) {
                float scale = scale(at);
                int c = full * BLOCK, q = at + Float.BYTES - c;
                FloatVector t0 = FloatVector.zero(FLOATS), t1 = t0, t2 = t0, t3 = t0;
                for (; c + LENGTH <= cols; c += LENGTH) {
                    FloatVector w = widen(q + c);
                    t0 = w.fma(FloatVector.fromArray(FLOATS, x, xo + c), t0);
                    t1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + c), t1);
                    t2 = w.fma(FloatVector.fromArray(FLOATS, x, x2 + c), t2);
                    t3 = w.fma(FloatVector.fromArray(FLOATS, x, x3 + c), t3);
                }
                s0 += t0.reduceLanes(VectorOperators.ADD) * scale;
                s1 += t1.reduceLanes(VectorOperators.ADD) * scale;
                s2 += t2.reduceLanes(VectorOperators.ADD) * scale;
                s3 += t3.reduceLanes(VectorOperators.ADD) * scale;
                for (; c < cols; c++) {
                    float w = data[q + c] * scale;
                    s0 += x[xo + c] * w;
                    s1 += x[x1 + c] * w;
                    s2 += x[x2 + c] * w;
                    s3 += x[x3 + c] * w;
                }
            }
            out[oo + row] = s0;
            out[oo + rows + row] = s1;
            out[oo + 2 * rows + row] = s2;
            out[oo + 3 * rows + row] = s3;
        }
    }
}
