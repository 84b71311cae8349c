package dev.gptneo.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight as it lies in host memory (usually a slice of a memory-mapped checkpoint): a row-major
 * {@code rows × cols} matrix of {@code dtype} elements, little-endian. One-dimensional weights
 * (biases, layer-norm parameters) have one row.
 *
 * <p>Backends turn these into their own {@link Tensor}s; the segment must stay valid for as long
 * as a backend that maps it without copying (the CPU backends) uses the tensor.
 */
public record HostTensor(String name, DType dtype, int rows, int cols, MemorySegment data) {

    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public HostTensor {
        if (dtype == DType.Q8_0) {
            throw new IllegalArgumentException(name + ": Q8_0 is a backend format, not a host one");
        }
        long expected = (long) rows * cols * dtype.bytes();
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for "
                    + rows + "x" + cols + " " + dtype + " (expected " + expected + ")");
        }
    }

    public long size() {
        return (long) rows * cols;
    }

    /** Element {@code index} (row-major) widened to float. The readable, slow path. */
    public float get(long index) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32, index);
            case F16 -> Float.float16ToFloat(data.getAtIndex(U16, index));
            case BF16 -> Float.intBitsToFloat(data.getAtIndex(U16, index) << 16);
            case Q8_0 -> throw new AssertionError();
        };
    }
}
