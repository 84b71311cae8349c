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
 * Q8_0 weights: int8 lanes sign-extended and converted to float in one step, then multiplied by
 * their block's scale. A float vector never straddles two blocks: the lane count (8 or 16)
 * divides the block size 32 and each row starts a new block.
 */
record Q8Weight(Q8Matrix matrix) implements Weight {

    @Override
    public int rows() {
        return matrix.rows();
    }

    @Override
    public int cols() {
        return matrix.cols();
    }

    @Override
    public DType dtype() {
        return DType.Q8_0;
    }

    /** The {@code LENGTH} int8 values at {@code index} of {@code quants}, as floats. */
    private static FloatVector widen(byte[] quants, int index) {
        return (FloatVector) ByteVector.fromArray(BYTES, quants, index).convertShape(VectorOperators.B2F, FLOATS, 0);
    }

    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        int cols = matrix.cols();
        byte[] quants = matrix.quants();
        int bound = FLOATS.loopBound(cols);
        for (int r = first; r < first + count; r++) {
            int src = r * cols;
            int out = offset + (r - first) * cols;
            int scales = r * matrix.blocksPerRow();
            int c = 0;
            for (; c < bound; c += LENGTH) {
                scaled(quants, src, scales, c).intoArray(dst, out + c);
            }
            for (; c < cols; c++) {
                dst[out + c] = quants[src + c] * matrix.scales()[scales + c / DType.Q8_BLOCK];
            }
        }
    }

    /** Float vectors in one block: the lane count divides the block size. */
    private static final int BLOCK_VECTORS = DType.Q8_BLOCK / LENGTH;

    /**
     * Each block's products are summed unscaled and multiplied by the block's scale once, four
     * blocks at a time in independent chains (measured: 1.4× the elements per second of scaling
     * every vector, as the conversion leaves the FMA units little else to do).
     */
    @Override
    public float dot(float[] x, int xo, int row) {
        int cols = matrix.cols();
        byte[] q = matrix.quants();
        float[] scales = matrix.scales();
        int base = row * cols;
        int s = row * matrix.blocksPerRow();
        int full = cols / DType.Q8_BLOCK;
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        int b = 0;
        for (; b + 4 <= full; b += 4) {
            int i = b * DType.Q8_BLOCK;
            FloatVector t0 = FloatVector.zero(FLOATS), t1 = t0, t2 = t0, t3 = t0;
            for (int v = 0; v < BLOCK_VECTORS; v++, i += LENGTH) {
                t0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(widen(q, base + i), t0);
                t1 = FloatVector.fromArray(FLOATS, x, xo + i + DType.Q8_BLOCK).fma(widen(q, base + i + DType.Q8_BLOCK), t1);
                t2 = FloatVector.fromArray(FLOATS, x, xo + i + 2 * DType.Q8_BLOCK).fma(widen(q, base + i + 2 * DType.Q8_BLOCK), t2);
                t3 = FloatVector.fromArray(FLOATS, x, xo + i + 3 * DType.Q8_BLOCK).fma(widen(q, base + i + 3 * DType.Q8_BLOCK), t3);
            }
            a0 = t0.fma(FloatVector.broadcast(FLOATS, scales[s + b]), a0);
            a1 = t1.fma(FloatVector.broadcast(FLOATS, scales[s + b + 1]), a1);
            a2 = t2.fma(FloatVector.broadcast(FLOATS, scales[s + b + 2]), a2);
            a3 = t3.fma(FloatVector.broadcast(FLOATS, scales[s + b + 3]), a3);
        }
        // The remaining blocks one at a time; the last may be partial, its tail past the vectors scalar.
        int i = b * DType.Q8_BLOCK;
        for (; b * DType.Q8_BLOCK < cols; b++) {
            FloatVector t = FloatVector.zero(FLOATS);
            for (int end = Math.min(cols, (b + 1) * DType.Q8_BLOCK); i + LENGTH <= end; i += LENGTH) {
                t = FloatVector.fromArray(FLOATS, x, xo + i).fma(widen(q, base + i), t);
            }
            a0 = t.fma(FloatVector.broadcast(FLOATS, scales[s + b]), a0);
        }
        float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum += x[xo + i] * q[base + i] * scales[s + i / DType.Q8_BLOCK];
        }
        return sum;
    }

    /** The dequantized vector at column {@code col} of the row whose values start at {@code base}. */
    private FloatVector scaled(byte[] q, int base, int scales, int col) {
        return widen(q, base + col).mul(matrix.scales()[scales + col / DType.Q8_BLOCK]);
    }

    @Override
    public long byteSize() {
        return matrix.byteSize();
    }
}
