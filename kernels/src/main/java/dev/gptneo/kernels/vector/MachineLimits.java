package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * What this machine can do at most, measured in Java with the same vectors and threads as the
 * kernels, so that kernel speeds can be stated as fractions of it: memory read bandwidth (a
 * streaming sum over a buffer far larger than the last-level cache) and FMA peak (independent
 * fused multiply-add chains that never leave the registers).
 *
 * @param bandwidth bytes per second read from memory by all threads together
 * @param fmaFlops floating-point operations per second (an FMA counts as two) of all threads
 */
public record MachineLimits(double bandwidth, double fmaFlops, int threads) {

    /** Large against any last-level cache, so the sum streams from memory. */
    public static final long DEFAULT_BUFFER = 1L << 30;
    /** Independent chains per thread: more than FMA latency × FMA units on current x86 and ARM. */
    private static final int CHAINS = 12;
    private static final int REPEATS = 5;
    private static final long MIN_NANOS = 1_000_000_000;
    /** Work is claimed in chunks, so a worker the OS deschedules for a while does not idle the rest. */
    private static final int CHUNKS_PER_WORKER = 8;

    /** Measures both limits on {@code threads} threads (about a second with the default buffer). */
    public static MachineLimits measure(int threads, long bufferBytes) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            return new MachineLimits(readBandwidth(pool, bufferBytes), fmaPeak(pool), threads);
        }
    }

    /** Best of several passes of all workers summing chunks of an off-heap buffer. */
    static double readBandwidth(WorkerPool pool, long bufferBytes) {
        int chunks = CHUNKS_PER_WORKER * pool.size();
        long chunk = bufferBytes / chunks / FLOATS.vectorByteSize() * FLOATS.vectorByteSize();
        float[] sink = new float[pool.size()];
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(chunk * chunks, 64);
            // Touch every page first, so that page faults stay out of the timing.
            pool.run(chunks, (w, c) -> buffer.asSlice(c * chunk, chunk).fill((byte) 1));
            double best = bestRate(chunk * chunks,
                    () -> pool.run(chunks, (w, c) -> sink[w] += streamSum(buffer, c * chunk, chunk)));
            if (Float.isNaN(sink[0])) {
                throw new AssertionError("unreachable: keeps the sums alive");
            }
            return best;
        }
    }

    /**
     * The best rate of {@code pass} doing {@code work} each time, over at least {@link #REPEATS}
     * passes and {@link #MIN_NANOS}: the first passes run before the JIT has compiled the loop,
     * and on a shared machine some passes lose a core to other processes.
     */
    private static double bestRate(double work, Runnable pass) {
        double best = 0;
        long begin = System.nanoTime();
        for (int passes = 0; passes < REPEATS || System.nanoTime() - begin < MIN_NANOS; passes++) {
            long start = System.nanoTime();
            pass.run();
            best = Math.max(best, work / ((System.nanoTime() - start) * 1e-9));
        }
        return best;
    }

    private static float streamSum(MemorySegment data, long from, long bytes) {
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        long step = FLOATS.vectorByteSize();
        long end = from + bytes - 4 * step;
        long i = from;
        for (; i <= end; i += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(FLOATS, data, i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(FLOATS, data, i + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(FLOATS, data, i + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(FLOATS, data, i + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        float sum = a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
        for (; i < from + bytes; i += Float.BYTES) {
            sum += data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
        }
        return sum;
    }

    /** Best of several runs of {@link #CHAINS} independent FMA chains per worker. */
    static double fmaPeak(WorkerPool pool) {
        int chunks = CHUNKS_PER_WORKER * pool.size();
        int iterations = 1 << 19;
        float[] sink = new float[pool.size()];
        double best = bestRate(2.0 * LENGTH * CHAINS * iterations * chunks,
                () -> pool.run(chunks, (w, c) -> sink[w] += fmaChains(iterations)));
        if (Float.isNaN(sink[0])) {
            throw new AssertionError("unreachable: keeps the sums alive");
        }
        return best;
    }

    /** acc = acc·m + a converges (m < 1), so no chain overflows however long it runs. */
    private static float fmaChains(int iterations) {
        FloatVector m = FloatVector.broadcast(FLOATS, 0.999999f);
        FloatVector a = FloatVector.broadcast(FLOATS, 1e-6f);
        FloatVector c0 = FloatVector.zero(FLOATS), c1 = a, c2 = a.add(a), c3 = c2.add(a);
        FloatVector c4 = c3.add(a), c5 = c4.add(a), c6 = c5.add(a), c7 = c6.add(a);
        FloatVector c8 = c7.add(a), c9 = c8.add(a), c10 = c9.add(a), c11 = c10.add(a);
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }

    public double bandwidthGBs() {
        return bandwidth / 1e9;
    }

    public double fmaGflops() {
        return fmaFlops / 1e9;
    }
}
