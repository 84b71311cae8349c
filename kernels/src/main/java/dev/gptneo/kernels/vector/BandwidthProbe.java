package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A buffer far larger than any last-level cache, summed by all threads of a pool with the same
 * vectors as the kernels: one {@link #pass} is one sample of the memory read bandwidth. Passes
 * can be taken between other work, so that a figure is compared with the bandwidth the machine
 * gave at the same time (a VM's share moves with its neighbours).
 */
public final class BandwidthProbe implements AutoCloseable {

    private static final int LINE = 64;
    /**
     * Where in a cache line the buffer starts. On Zen 4 this sum streams faster when its 512-bit
     * loads start 16 or 48 bytes into a line than on a line boundary (measured, 1 GiB, in one
     * JVM: 22–23 against 17–19 GB/s on one core, 28–31 against 25–28 on two). The probe is to
     * measure the most the machine gives, so it reads from there.
     */
    private static final int LINE_OFFSET = 48;

    private final WorkerPool pool;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final long chunk;
    private final int chunks;
    private final float[] sink;

    public BandwidthProbe(WorkerPool pool, long bufferBytes) {
        this.pool = pool;
        this.chunks = WorkerPool.CHUNKS_PER_WORKER * pool.size();
        this.chunk = bufferBytes / chunks / FLOATS.vectorByteSize() * FLOATS.vectorByteSize();
        this.sink = new float[pool.size()];
        this.buffer = arena.allocate(chunk * chunks + LINE, LINE).asSlice(LINE_OFFSET, chunk * chunks);
        // Touch every page first, so that page faults stay out of the timing.
        pool.run(chunks, (w, c) -> buffer.asSlice(c * chunk, chunk).fill((byte) 1));
    }

    /** Reads the whole buffer once; returns bytes per second. */
    public double pass() {
        long start = System.nanoTime();
        pool.run(chunks, (w, c) -> sink[w] += streamSum(c * chunk, chunk));
        return buffer.byteSize() / ((System.nanoTime() - start) * 1e-9);
    }

    private float streamSum(long from, long bytes) {
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        long step = FLOATS.vectorByteSize();
        long end = from + bytes - 4 * step;
        long i = from;
        for (; i <= end; i += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(FLOATS, buffer, i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(FLOATS, buffer, i + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(FLOATS, buffer, i + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(FLOATS, buffer, i + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        float sum = a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
        for (; i < from + bytes; i += Float.BYTES) {
            sum += buffer.get(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
        }
        return sum;
    }

    @Override
    public void close() {
        if (Float.isNaN(sink[0])) {
            throw new AssertionError("unreachable: keeps the sums alive");
        }
        arena.close();
    }
}
