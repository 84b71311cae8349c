package dev.gptneo.bench.model;

import dev.gptneo.kernels.vector.VectorWidth;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A buffer far larger than any last-level cache, summed by all probe threads with vectors as
 * wide as the kernels', each thread streaming its own contiguous slice: one {@link #pass} is one
 * sample of the memory read bandwidth. Passes can be taken between other work, so that a figure
 * is compared with the bandwidth the machine gave at the same time (a VM's share moves with its
 * neighbours).
 */
final class BandwidthProbe implements AutoCloseable {

    /** The vector backend's float species (its width follows -Dgptneo.vectorBits as the kernels' does). */
    static final VectorSpecies<Float> FLOATS = VectorWidth.floats();

    private static final int LINE = 64;
    /**
     * Where in a cache line the buffer starts: on some CPUs (Zen 4 among them) such a sum streams
     * faster when its wide loads do not start on a line boundary, and the probe is to measure the
     * most the machine gives.
     */
    private static final int LINE_OFFSET = 48;

    private final ProbeThreads threads;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final long slice;
    private final float[] sink;

    BandwidthProbe(ProbeThreads threads, long bufferBytes) {
        this.threads = threads;
        this.slice = bufferBytes / threads.size() / FLOATS.vectorByteSize() * FLOATS.vectorByteSize();
        this.sink = new float[threads.size()];
        this.buffer = arena.allocate(slice * threads.size() + LINE, LINE).asSlice(LINE_OFFSET, slice * threads.size());
        // Each thread touches its own slice first, so that page faults stay out of the timing and
        // the pages lie near the thread that reads them.
        threads.time(t -> buffer.asSlice(t * slice, slice).fill((byte) 1));
    }

    /** Reads the whole buffer once; returns bytes per second. */
    double pass() {
        return buffer.byteSize() / threads.time(t -> sink[t] += streamSum(t * slice, slice));
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
