package dev.gptneo.kernels.opencl;

import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clSetKernelArg;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;

/**
 * Sets a kernel's arguments in order and enqueues it without waiting. One instance serves a
 * backend's every launch (a backend is used by one thread at a time), so launching allocates
 * nothing: OpenCL copies argument values and sizes when they are passed.
 */
final class KernelCall {
    private final cl_command_queue queue;
    private final int[] intValue = new int[1];
    private final Pointer intPointer = Pointer.to(intValue);
    private final float[] floatValue = new float[1];
    private final Pointer floatPointer = Pointer.to(floatValue);
    private final long[] global = new long[2];
    private final long[] local = new long[2];
    private cl_kernel kernel;
    private int index;

    KernelCall(cl_command_queue queue) {
        this.queue = queue;
    }

    KernelCall start(cl_kernel k) {
        kernel = k;
        index = 0;
        return this;
    }

    /** A buffer argument; null passes a NULL buffer, which OpenCL allows (an absent bias). */
    KernelCall buffer(OpenClTensor tensor) {
        return memory(tensor == null ? null : tensor.argument);
    }

    /** A buffer argument given as a pointer to its cl_mem. */
    KernelCall memory(Pointer memoryPointer) {
        clSetKernelArg(kernel, index++, Sizeof.cl_mem, memoryPointer);
        return this;
    }

    KernelCall integer(int value) {
        intValue[0] = value;
        clSetKernelArg(kernel, index++, Sizeof.cl_int, intPointer);
        return this;
    }

    KernelCall real(float value) {
        floatValue[0] = value;
        clSetKernelArg(kernel, index++, Sizeof.cl_float, floatPointer);
        return this;
    }

    /** A {@code local float*} argument of {@code count} floats per work-group. */
    KernelCall localFloats(long count) {
        clSetKernelArg(kernel, index++, count * Sizeof.cl_float, null);
        return this;
    }

    /**
     * One work-item per element of an {@code n0 × n1} grid, grouped as the runtime likes; for
     * kernels without work-group cooperation, so the grid need not be a multiple of anything.
     */
    void items(long n0, long n1) {
        global[0] = n0;
        global[1] = n1;
        clEnqueueNDRangeKernel(queue, kernel, 2, null, global, null, 0, null, null);
    }

    /** {@code groups0 × groups1} work-groups of {@code size0 × size1} items. */
    void groups(long groups0, long groups1, long size0, long size1) {
        global[0] = groups0 * size0;
        global[1] = groups1 * size1;
        local[0] = size0;
        local[1] = size1;
        clEnqueueNDRangeKernel(queue, kernel, 2, null, global, local, 0, null, null);
    }
}
