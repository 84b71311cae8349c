package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.BYTES;
import static dev.gptneo.kernels.vector.Lanes.FLOATS;

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
            for (; c < bound; c += FLOATS.length()) {
                float scale = scales[scaleBase + c / DType.Q8_BLOCK];
                ((FloatVector) ByteVector.fromArray(BYTES, quants, src + c)
                        .convertShape(VectorOperators.B2F, FLOATS, 0))
                        .mul(scale)
                        .intoArray(dst, out + c);
            }
            for (; c < cols; c++) {
                dst[out + c] = quants[src + c] * scales[scaleBase + c / DType.Q8_BLOCK];
            }
        }
    }

    @Override
    public long byteSize() {
        return matrix.byteSize();
    }
}
