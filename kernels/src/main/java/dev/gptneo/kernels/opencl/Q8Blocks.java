package dev.gptneo.kernels.opencl;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.Q8Matrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The device layout of a Q8_0 matrix (Q8_BLOCK_BYTES in gptneo.cl): per row, per block of
 * {@link DType#Q8_BLOCK} values, the float scale and then the int8 values, the last block of a
 * row zero-padded. A kernel finds any element from its row and column alone, and the scale sits
 * next to the values it applies to.
 */
final class Q8Blocks {

    private static final int BLOCK_BYTES = Float.BYTES + DType.Q8_BLOCK;

    private Q8Blocks() {
    }

    static ByteBuffer of(Q8Matrix matrix) {
        int blocks = matrix.blocksPerRow();
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(matrix.rows() * blocks, BLOCK_BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < matrix.rows(); r++) {
            for (int b = 0; b < blocks; b++) {
                int start = out.position();
                out.putFloat(matrix.scales()[r * blocks + b]);
                int from = b * DType.Q8_BLOCK;
                int length = Math.min(DType.Q8_BLOCK, matrix.cols() - from);
                out.put(matrix.quants(), r * matrix.cols() + from, length);
                out.position(start + BLOCK_BYTES); // allocateDirect zeroed the padding
            }
        }
        return out.flip();
    }
}
