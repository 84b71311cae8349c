package dev.gptneo.model.checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a view of {@code storage}
 * beginning {@code offset} elements in, with dimensions {@code size} and {@code stride} elements
 * between neighbours along each. {@link RestrictedUnpickler} builds these only after checking
 * that every element the view reaches lies within the storage.
 */
record TorchTensor(TorchStorage storage, long offset, long[] size, long[] stride) {

    /** The number of elements; the unpickler has checked that it does not overflow. */
    long elements() {
        long n = 1;
        for (long s : size) {
            n *= s;
        }
        return n;
    }

    /** Row-major with no gaps (dimensions of one element may have any stride), so a plain slice of its storage. */
    boolean isContiguous() {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= size[i];
        }
        return true;
    }

    /**
     * Its elements, row-major: a slice of {@code storageBytes} (the storage's record, mapped) when
     * it is contiguous, else a copy into {@code arena}. Only for rank 0 to 2, which is all a
     * {@link dev.gptneo.kernels.HostTensor} holds.
     */
    MemorySegment bytes(MemorySegment storageBytes, Arena arena) {
        long width = storage.type().elementBytes();
        if (isContiguous()) {
            return storageBytes.asSlice(offset * width, elements() * width);
        }
        long rows = size.length == 2 ? size[0] : 1;
        long cols = size[size.length - 1];
        long rowStride = size.length == 2 ? stride[0] : 0;
        long colStride = stride[size.length - 1];
        MemorySegment copy = arena.allocate(rows * cols * width, Long.BYTES);
        for (long r = 0; r < rows; r++) {
            long from = offset + r * rowStride;
            if (colStride == 1) {
                MemorySegment.copy(storageBytes, from * width, copy, r * cols * width, cols * width);
                continue;
            }
            for (long c = 0; c < cols; c++) {
                MemorySegment.copy(storageBytes, (from + c * colStride) * width, copy, (r * cols + c) * width, width);
            }
        }
        return copy;
    }
}
