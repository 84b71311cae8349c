package dev.gptneo.kernels.opencl;

import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clCreateCommandQueueWithProperties;
import static org.jocl.CL.clCreateKernel;
import static org.jocl.CL.clEnqueueCopyBuffer;
import static org.jocl.CL.clEnqueueFillBuffer;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clGetKernelWorkGroupInfo;
import static org.jocl.CL.clReleaseCommandQueue;
import static org.jocl.CL.clReleaseMemObject;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BatchSequence;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.kernels.Q8Matrix;
import dev.gptneo.kernels.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * The backend on an OpenCL device (kernels in {@code gptneo.cl}). Weights are uploaded once in
 * their checkpoint format; activations and the KV cache's block pools stay on the device. Operations are
 * enqueued on one in-order queue and return at once: only {@link #read} and {@link #write} wait,
 * so a forward pass costs one round trip.
 */
public final class OpenClBackend implements Backend {

    /**
     * Items that share one output of the matvec (a warp on NVIDIA; MATVEC_WIDTH in gptneo.cl,
     * whose partial sums the tiled matmul keeps too, so both give a row the same result), and
     * outputs per matvec work-group (8: few enough groups for CPU runtimes, 256 items for a GPU).
     */
    private static final int MATVEC_WIDTH = 32;
    private static final int MATVEC_ROWS = 8;
    /** Items per work-group of the other reducing kernels (layer norm, attention). */
    private static final int REDUCTION_GROUP = 64;
    /** Side of the tiled matmul's square work-groups; TILE in gptneo.cl. */
    private static final int TILE = 16;
    /** The bias-format code of gptneo.cl for "no bias". */
    private static final int NO_BIAS = -1;

    private final OpenClProgram program;
    private final cl_command_queue queue;
    private final KernelCall call;
    private final Map<DType, cl_kernel> matvec = new EnumMap<>(DType.class);
    private final Map<DType, cl_kernel> matmul = new EnumMap<>(DType.class);
    private final cl_kernel embed;
    private final cl_kernel layerNorm;
    private final cl_kernel geluNew;
    private final cl_kernel add;
    private final cl_kernel attention;
    private final cl_kernel cacheWrite;
    private final int reductionGroup;
    private final Set<OpenClTensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private final float[] zero = {0f};
    private boolean closed;

    OpenClBackend(OpenClDevice device) {
        program = OpenClProgram.forDevice(device);
        queue = clCreateCommandQueueWithProperties(program.context(), device.device(), null, null);
        call = new KernelCall(queue);
        for (DType format : DType.values()) {
            String suffix = format.name().toLowerCase(Locale.ROOT);
            matvec.put(format, kernel("matvec_" + suffix));
            matmul.put(format, kernel("matmul_" + suffix));
        }
        embed = kernel("embed");
        layerNorm = kernel("layer_norm");
        geluNew = kernel("gelu_new");
        add = kernel("add");
        attention = kernel("attention");
        cacheWrite = kernel("cache_write");
        reductionGroup = Math.min(REDUCTION_GROUP,
                Integer.highestOneBit((int) Math.min(maxGroup(layerNorm), maxGroup(attention))));
        requireGroupSize(matvec.get(DType.F32), MATVEC_WIDTH * MATVEC_ROWS);
        requireGroupSize(matmul.get(DType.F32), TILE * TILE);
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        return "opencl on " + program.device().describe();
    }

    @Override
    public Tensor weight(HostTensor source, DType storage) {
        ByteBuffer bytes;
        if (storage == DType.Q8_0) {
            bytes = Q8Blocks.of(Q8Matrix.quantize(source));
        } else if (storage == source.dtype()) {
            bytes = byteBuffer(source.data());
        } else {
            throw new UnsupportedOperationException("opencl backend keeps weights as stored or quantizes "
                    + "them to Q8_0; cannot convert " + source.name() + " from " + source.dtype() + " to " + storage);
        }
        cl_mem memory = clCreateBuffer(program.context(), CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                bytes.remaining(), Pointer.to(bytes), null);
        return track(new OpenClTensor(source.rows(), source.cols(), storage, memory));
    }

    /**
     * The bytes as JOCL can read them: a native (mapped or off-heap) segment as a direct buffer
     * over the same memory; a heap segment (not always viewable as bytes) copied to a byte[].
     * clCreateBuffer copies from it before returning, so no alignment or lifetime rules apply.
     */
    private static ByteBuffer byteBuffer(MemorySegment data) {
        return data.isNative() ? data.asByteBuffer() : ByteBuffer.wrap(data.toArray(ValueLayout.JAVA_BYTE));
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        long bytes = (long) Math.multiplyExact(rows, cols) * Sizeof.cl_float;
        cl_mem memory = clCreateBuffer(program.context(), CL_MEM_READ_WRITE, bytes, null, null);
        // A new device buffer holds whatever was there before; the SPI promises zeros.
        clEnqueueFillBuffer(queue, memory, Pointer.to(zero), Sizeof.cl_float, 0, bytes, 0, null, null);
        return track(new OpenClTensor(rows, cols, DType.F32, memory));
    }

    private OpenClTensor track(OpenClTensor tensor) {
        live.add(tensor);
        return tensor;
    }

    @Override
    public void write(Tensor dst, float[] src) {
        OpenClTensor d = activation(dst);
        checkLength(src.length, d.elements());
        // Blocking: JOCL reads Java arrays only while the call lasts.
        clEnqueueWriteBuffer(queue, d.memory, CL_TRUE, 0, (long) src.length * Sizeof.cl_float,
                Pointer.to(src), 0, null, null);
    }

    @Override
    public void read(Tensor src, float[] dst) {
        OpenClTensor s = activation(src);
        checkLength(dst.length, s.elements());
        clEnqueueReadBuffer(queue, s.memory, CL_TRUE, 0, (long) dst.length * Sizeof.cl_float,
                Pointer.to(dst), 0, null, null);
    }

    @Override
    public void embed(Tensor wte, Tensor wpe, int[] ids, int[] positions, Tensor out) {
        OpenClTensor o = activation(out);
        int rows = ids.length;
        if (positions.length != rows || o.rows() != rows || wte.cols() != o.cols() || wpe.cols() != o.cols()) {
            throw new IllegalArgumentException("embed shapes: " + rows + " ids, " + positions.length
                    + " positions, wte " + wte + ", wpe " + wpe + ", out " + o);
        }
        int[] idsPositions = new int[2 * rows];
        for (int r = 0; r < rows; r++) {
            idsPositions[r] = checkIndex(ids[r], wte.rows(), "token id");
            idsPositions[rows + r] = checkIndex(positions[r], wpe.rows(), "position");
        }
        // Copied at creation, so the kernel needs no wait for an upload; released at once, which
        // OpenCL defers until the kernel has run.
        cl_mem indices = clCreateBuffer(program.context(), CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                (long) idsPositions.length * Sizeof.cl_int, Pointer.to(idsPositions), null);
        try {
            call.start(embed).buffer(weight(wte)).integer(format(wte)).buffer(weight(wpe)).integer(format(wpe))
                    .memory(Pointer.to(indices)).integer(rows).buffer(o)
                    .items(o.cols(), rows);
        } finally {
            clReleaseMemObject(indices);
        }
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out) {
        OpenClTensor in = activation(x);
        OpenClTensor o = activation(out);
        if (gamma.dtype() != beta.dtype() || gamma.cols() != in.cols() || beta.cols() != in.cols()
                || !sameShape(in, o)) {
            throw new IllegalArgumentException("layerNorm shapes: x " + in + ", gamma " + gamma + ", beta "
                    + beta + ", out " + o);
        }
        call.start(layerNorm).buffer(in).buffer(weight(gamma)).buffer(weight(beta)).integer(format(gamma))
                .real(eps).buffer(o).integer(in.cols()).localFloats(reductionGroup)
                .groups(in.rows(), 1, reductionGroup, 1);
    }

    @Override
    public void matmul(Tensor x, Tensor w, Tensor bias, Tensor out) {
        OpenClTensor in = activation(x);
        OpenClTensor weights = weight(w);
        OpenClTensor o = activation(out);
        int rows = in.rows();
        int k = in.cols();
        int n = weights.rows();
        if (weights.cols() != k || o.cols() != n || o.rows() != rows || (bias != null && bias.cols() != n)) {
            throw new IllegalArgumentException("matmul shapes: x " + in + ", w " + weights + ", bias " + bias
                    + ", out " + o);
        }
        OpenClTensor b = bias == null ? null : weight(bias);
        int biasFormat = bias == null ? NO_BIAS : format(bias);
        if (rows == 1) {
            call.start(matvec.get(weights.dtype())).buffer(in).buffer(weights).buffer(b).integer(biasFormat)
                    .buffer(o).integer(n).integer(k).localFloats(MATVEC_WIDTH * MATVEC_ROWS)
                    .groups(1, Math.ceilDiv(n, MATVEC_ROWS), MATVEC_WIDTH, MATVEC_ROWS);
        } else {
            call.start(matmul.get(weights.dtype())).buffer(in).buffer(weights).buffer(b).integer(biasFormat)
                    .buffer(o).integer(rows).integer(n).integer(k)
                    .groups(Math.ceilDiv(n, TILE), Math.ceilDiv(rows, TILE), TILE, TILE);
        }
    }

    @Override
    public void geluNew(Tensor x) {
        OpenClTensor t = activation(x);
        call.start(geluNew).buffer(t).items(t.elements(), 1);
    }

    @Override
    public void add(Tensor acc, Tensor x) {
        OpenClTensor a = activation(acc);
        OpenClTensor b = activation(x);
        if (!sameShape(a, b)) {
            throw new IllegalArgumentException("add shapes: " + a + " += " + b);
        }
        call.start(add).buffer(a).buffer(b).items(a.elements(), 1);
    }

    /**
     * One launch per sequence, its rows taken from {@code first_row} of the batch's q, k, v and
     * out, its block table from the call's table buffer ({@link #uploadTables}).
     */
    @Override
    public void attention(Tensor q, Tensor k, Tensor v, List<BatchSequence> sequences, int heads, int window,
                          Tensor out) {
        OpenClTensor qs = activation(q);
        int hidden = qs.cols();
        if (hidden % heads != 0 || !sameShape(qs, k) || !sameShape(qs, v) || !sameShape(qs, out)) {
            throw new IllegalArgumentException("attention shapes: q " + qs + ", k " + k + ", v " + v
                    + ", out " + out + ", " + heads + " heads");
        }
        BatchSequence.checkAttention(sequences, qs.rows(), window);
        sequences.forEach(s -> checkPool(s, hidden, "attention"));
        cl_mem tables = uploadTables(sequences);
        try {
            int offset = 0;
            for (BatchSequence s : sequences) {
                int total = s.past() + s.rows();
                // The longest span of positions a row sees: its scores are held in local memory.
                int longestSpan = window > 0 ? Math.min(window, total) : total;
                call.start(attention).buffer(qs).buffer(activation(k)).buffer(activation(v))
                        .buffer(activation(s.poolK())).buffer(activation(s.poolV())).memory(Pointer.to(tables))
                        .integer(offset).integer(s.table().length).integer(s.blockSize()).integer(s.firstRow())
                        .integer(s.past()).integer(hidden / heads).integer(window)
                        .buffer(activation(out)).localFloats(longestSpan).localFloats(reductionGroup)
                        .groups(s.rows(), heads, reductionGroup, 1);
                offset += s.table().length;
            }
        } finally {
            clReleaseMemObject(tables);
        }
    }

    @Override
    public void cacheWrite(Tensor k, Tensor v, List<BatchSequence> sequences, int heads) {
        OpenClTensor keys = activation(k);
        if (!sameShape(keys, v)) {
            throw new IllegalArgumentException("cacheWrite shapes: k " + keys + ", v " + v);
        }
        BatchSequence.checkCovers(sequences, keys.rows(), "cacheWrite");
        sequences.forEach(s -> checkPool(s, keys.cols(), "cacheWrite"));
        cl_mem tables = uploadTables(sequences);
        try {
            int offset = 0;
            for (BatchSequence s : sequences) {
                // Rows that a later row of the sequence would overwrite are skipped, so no two items race.
                int skipped = Math.max(0, s.rows() - s.capacity());
                call.start(cacheWrite).buffer(keys).buffer(activation(v)).buffer(activation(s.poolK()))
                        .buffer(activation(s.poolV())).memory(Pointer.to(tables)).integer(offset)
                        .integer(s.table().length).integer(s.blockSize()).integer(s.firstRow() + skipped)
                        .integer(s.past() + skipped).items(keys.cols(), s.rows() - skipped);
                offset += s.table().length;
            }
        } finally {
            clReleaseMemObject(tables);
        }
    }

    /**
     * The block tables of a call's sequences, one after another, in a device buffer copied at
     * creation (no wait for an upload). The caller releases it as soon as its kernels are
     * enqueued; OpenCL keeps it until they have run.
     */
    private cl_mem uploadTables(List<BatchSequence> sequences) {
        int[] all = new int[sequences.stream().mapToInt(s -> s.table().length).sum()];
        int offset = 0;
        for (BatchSequence s : sequences) {
            System.arraycopy(s.table(), 0, all, offset, s.table().length);
            offset += s.table().length;
        }
        return clCreateBuffer(program.context(), CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                (long) all.length * Sizeof.cl_int, Pointer.to(all), null);
    }

    private static void checkPool(BatchSequence s, int hidden, String operation) {
        if (s.poolK().cols() != hidden || !sameShape(s.poolK(), s.poolV())) {
            throw new IllegalArgumentException(operation + " shapes: hidden " + hidden + ", pool "
                    + s.poolK() + "/" + s.poolV());
        }
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
        OpenClTensor s = activation(src);
        OpenClTensor d = activation(dst);
        if (s.cols() != d.cols() || srcRow < 0 || dstRow < 0 || count < 0
                || srcRow + count > s.rows() || dstRow + count > d.rows()) {
            throw new IllegalArgumentException("copyRows: " + count + " rows from " + srcRow + " of " + s
                    + " to " + dstRow + " of " + d);
        }
        long rowBytes = (long) s.cols() * Sizeof.cl_float;
        if (count > 0) {
            clEnqueueCopyBuffer(queue, s.memory, d.memory, srcRow * rowBytes, dstRow * rowBytes,
                    count * rowBytes, 0, null, null);
        }
    }

    @Override
    public void free(Tensor tensor) {
        OpenClTensor t = (OpenClTensor) tensor;
        // OpenCL keeps the buffer until the queued kernels that use it have run.
        if (live.remove(t)) {
            clReleaseMemObject(t.memory);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        clFinish(queue);
        new ArrayList<>(live).forEach(this::free);
        List<cl_kernel> kernels = new ArrayList<>(matvec.values());
        kernels.addAll(matmul.values());
        kernels.addAll(List.of(embed, layerNorm, geluNew, add, attention, cacheWrite));
        kernels.forEach(CL::clReleaseKernel);
        clReleaseCommandQueue(queue);
    }

    private cl_kernel kernel(String name) {
        return clCreateKernel(program.program(), name, null);
    }

    private void requireGroupSize(cl_kernel kernel, int items) {
        if (maxGroup(kernel) < items) {
            throw new IllegalStateException(program.device().name() + " runs at most " + maxGroup(kernel)
                    + " work-items per group of a matrix kernel; it needs " + items);
        }
    }

    private long maxGroup(cl_kernel kernel) {
        long[] size = new long[1];
        clGetKernelWorkGroupInfo(kernel, program.device().device(), CL_KERNEL_WORK_GROUP_SIZE,
                Sizeof.size_t, Pointer.to(size), null);
        return size[0];
    }

    private static OpenClTensor activation(Tensor t) {
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException("expected an F32 activation tensor, got " + t);
        }
        return (OpenClTensor) t;
    }

    private static OpenClTensor weight(Tensor t) {
        return (OpenClTensor) t;
    }

    /** The weight-format code of gptneo.cl. */
    private static int format(Tensor t) {
        return switch (t.dtype()) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            case Q8_0 -> 3;
        };
    }

    private static boolean sameShape(Tensor a, Tensor b) {
        return a.rows() == b.rows() && a.cols() == b.cols();
    }

    private static int checkIndex(int index, int limit, String what) {
        if (index < 0 || index >= limit) {
            throw new IllegalArgumentException(what + " " + index + " is outside [0, " + limit + ")");
        }
        return index;
    }

    private static void checkLength(int given, long expected) {
        if (given != expected) {
            throw new IllegalArgumentException("length " + given + ", expected " + expected);
        }
    }
}
