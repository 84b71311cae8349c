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

    @Override
    public float dot(float[] x, int xo, int row) {
        int cols = matrix.cols();
        byte[] q = matrix.quants();
        int base = row * cols;
        int scales = row * matrix.blocksPerRow();
        FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        int i = 0;
        for (int bound = cols - 8 * LENGTH; i <= bound; i += 8 * LENGTH) {
            c0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(scaled(q, base, scales, i), c0);
            c1 = FloatVector.fromArray(FLOATS, x, xo + i + LENGTH).fma(scaled(q, base, scales, i + LENGTH), c1);
            c2 = FloatVector.fromArray(FLOATS, x, xo + i + 2 * LENGTH).fma(scaled(q, base, scales, i + 2 * LENGTH), c2);
            c3 = FloatVector.fromArray(FLOATS, x, xo + i + 3 * LENGTH).fma(scaled(q, base, scales, i + 3 * LENGTH), c3);
            c4 = FloatVector.fromArray(FLOATS, x, xo + i + 4 * LENGTH).fma(scaled(q, base, scales, i + 4 * LENGTH), c4);
            c5 = FloatVector.fromArray(FLOATS, x, xo + i + 5 * LENGTH).fma(scaled(q, base, scales, i + 5 * LENGTH), c5);
            c6 = FloatVector.fromArray(FLOATS, x, xo + i + 6 * LENGTH).fma(scaled(q, base, scales, i + 6 * LENGTH), c6);
            c7 = FloatVector.fromArray(FLOATS, x, xo + i + 7 * LENGTH).fma(scaled(q, base, scales, i + 7 * LENGTH), c7);
        }
        for (; i <= cols - LENGTH; i += LENGTH) {
            c0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(scaled(q, base, scales, i), c0);
        }
        float sum = c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7))).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum += x[xo + i] * q[base + i] * matrix.scales()[scales + i / DType.Q8_BLOCK];
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
