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
record Q8Weight(Q8Matrix matrix) implements StreamedWeight {

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
        int blocks = matrix.blocksPerRow();
        byte[] quants = matrix.quants();
        float[] scales = matrix.scales();
        int bound = FLOATS.loopBound(cols);
        for (int r = first; r < first + count; r++) {
            int src = r * cols;
            int out = offset + (r - first) * cols;
            int scaleBase = r * blocks;
            int c = 0;
            for (; c < bound; c += LENGTH) {
                widen(quants, src + c).mul(scales[scaleBase + c / DType.Q8_BLOCK]).intoArray(dst, out + c);
            }
            for (; c < cols; c++) {
                dst[out + c] = quants[src + c] * scales[scaleBase + c / DType.Q8_BLOCK];
            }
        }
    }

    @Override
    public void dot4(float[] x, int xo, int r0, int r1, int r2, int r3, float[] s) {
        int cols = matrix.cols();
        int blocks = matrix.blocksPerRow();
        byte[] q = matrix.quants();
        float[] scales = matrix.scales();
        int q0 = r0 * cols, q1 = r1 * cols, q2 = r2 * cols, q3 = r3 * cols;
        int s0 = r0 * blocks, s1 = r1 * blocks, s2 = r2 * blocks, s3 = r3 * blocks;
        FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0;
        int i = 0;
        for (int bound = FLOATS.loopBound(cols); i < bound; i += LENGTH) {
            FloatVector a = FloatVector.fromArray(FLOATS, x, xo + i);
            int b = i / DType.Q8_BLOCK;
            c0 = widen(q, q0 + i).mul(scales[s0 + b]).fma(a, c0);
            c1 = widen(q, q1 + i).mul(scales[s1 + b]).fma(a, c1);
            c2 = widen(q, q2 + i).mul(scales[s2 + b]).fma(a, c2);
            c3 = widen(q, q3 + i).mul(scales[s3 + b]).fma(a, c3);
        }
        s[0] = c0.reduceLanes(VectorOperators.ADD);
        s[1] = c1.reduceLanes(VectorOperators.ADD);
        s[2] = c2.reduceLanes(VectorOperators.ADD);
        s[3] = c3.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            int b = i / DType.Q8_BLOCK;
            s[0] += x[xo + i] * q[q0 + i] * scales[s0 + b];
            s[1] += x[xo + i] * q[q1 + i] * scales[s1 + b];
            s[2] += x[xo + i] * q[q2 + i] * scales[s2 + b];
            s[3] += x[xo + i] * q[q3 + i] * scales[s3 + b];
        }
    }

    @Override
    public long byteSize() {
        return matrix.byteSize();
    }
}
