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

    /** Measures both limits on {@code threads} threads (about a second with the default buffer). */
    public static MachineLimits measure(int threads, long bufferBytes) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            return new MachineLimits(readBandwidth(pool, bufferBytes), fmaPeak(pool), threads);
        }
    }

    /** Best of several passes of all workers summing their slice of an off-heap buffer. */
    static double readBandwidth(WorkerPool pool, long bufferBytes) {
        int workers = pool.size();
        long chunk = bufferBytes / workers / FLOATS.vectorByteSize() * FLOATS.vectorByteSize();
        float[] sink = new float[workers];
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(chunk * workers, 64);
            // Each worker touches its own slice first, so pages are mapped before timing.
            pool.run((w, n) -> buffer.asSlice(w * chunk, chunk).fill((byte) 1));
            double best = 0;
            for (int pass = 0; pass < REPEATS; pass++) {
                long start = System.nanoTime();
                pool.run((w, n) -> sink[w] += streamSum(buffer, w * chunk, chunk));
                best = Math.max(best, chunk * workers / ((System.nanoTime() - start) * 1e-9));
            }
            if (Float.isNaN(sink[0])) {
                throw new AssertionError("unreachable: keeps the sums alive");
            }
            return best;
        }
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
        int workers = pool.size();
        int iterations = 1 << 22;
        float[] sink = new float[workers];
        double best = 0;
        for (int pass = 0; pass < REPEATS; pass++) {
            long start = System.nanoTime();
            pool.run((w, n) -> sink[w] += fmaChains(iterations));
            double flops = 2.0 * LENGTH * CHAINS * iterations * workers;
            best = Math.max(best, flops / ((System.nanoTime() - start) * 1e-9));
        }
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
