package dev.gptneo.kernels;

/**
 * A handle to a backend-owned, row-major {@code rows × cols} matrix. Where its elements live
 * (heap, off-heap, GPU memory) and how they are stored is the backend's business; callers only
 * pass handles back to the backend that made them.
 *
 * <p>Activations are F32; weights keep the format they were loaded in (see {@link DType}).
 */
public interface Tensor {
    int rows();

    int cols();

    DType dtype();
}
