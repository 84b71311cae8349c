package dev.gptneo.kernels.scalar;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.kernels.Q8Matrix;
import dev.gptneo.kernels.Tensor;

/**
 * The scalar backend's tensors: heap activations, a weight read in place from host memory, or a
 * weight quantized to Q8_0 at load.
 */
sealed interface ScalarTensor extends Tensor {

    /** Element at row-major {@code index}, widened to float. */
    float get(long index);

    /** F32 activations on the heap. */
    record Floats(int rows, int cols, float[] data) implements ScalarTensor {
        @Override
        public DType dtype() {
            return DType.F32;
        }

        @Override
        public float get(long index) {
            return data[(int) index];
        }
    }

    /** A weight left where the checkpoint maps it; converted element by element when read. */
    record Host(HostTensor source) implements ScalarTensor {
        @Override
        public int rows() {
            return source.rows();
        }

        @Override
        public int cols() {
            return source.cols();
        }

        @Override
        public DType dtype() {
            return source.dtype();
        }

        @Override
        public float get(long index) {
            return source.get(index);
        }
    }

    /** A weight quantized at load; dequantized element by element when read. */
    record Quantized(Q8Matrix matrix) implements ScalarTensor {
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
        public float get(long index) {
            return matrix.get(index);
        }
    }
}
