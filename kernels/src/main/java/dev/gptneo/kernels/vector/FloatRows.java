package dev.gptneo.kernels.vector;

import dev.gptneo.kernels.DType;

/** F32 activations on the heap, row-major; arrays are what the kernels index fastest. */
record FloatRows(int rows, int cols, float[] data) implements VectorTensor {
    @Override
    public DType dtype() {
        return DType.F32;
    }
}
