package dev.gptneo.kernels.scalar;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.kernels.Tensor;

/** The scalar backend's tensors: heap activations, or a weight read in place from host memory. */
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
}
