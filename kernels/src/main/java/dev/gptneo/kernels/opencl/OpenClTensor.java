package dev.gptneo.kernels.opencl;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.Tensor;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/** A device buffer holding a row-major matrix; {@code argument} is kept to pass it to kernels. */
final class OpenClTensor implements Tensor {
    private final int rows;
    private final int cols;
    private final DType dtype;
    final cl_mem memory;
    final Pointer argument;

    OpenClTensor(int rows, int cols, DType dtype, cl_mem memory) {
        this.rows = rows;
        this.cols = cols;
        this.dtype = dtype;
        this.memory = memory;
        this.argument = Pointer.to(memory);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    long elements() {
        return (long) rows * cols;
    }

    @Override
    public String toString() {
        return dtype + " " + rows + "x" + cols;
    }
}
