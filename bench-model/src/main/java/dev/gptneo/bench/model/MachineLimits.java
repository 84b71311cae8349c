package dev.gptneo.bench.model;

import static dev.gptneo.bench.model.BandwidthProbe.FLOATS;

import dev.gptneo.kernels.vector.VectorBackendProvider;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * What this machine can do at most, measured in Java with the same vectors and threads as the
 * kernels, so that kernel speeds can be stated as fractions of it: memory read bandwidth (a
 * {@link BandwidthProbe}: streaming sums over a buffer far larger than the last-level cache)
 * and FMA peak (independent fused multiply-add chains that never leave the registers).
 *
 * @param bandwidth bytes per second read from memory by all threads together
 * @param fmaFlops floating-point operations per second (an FMA counts as two) of all threads
 */
public record MachineLimits(double bandwidth, double fmaFlops, int threads) {

    /** Large against any last-level cache, so the sum streams from memory. */
    public static final long DEFAULT_BUFFER = 1L << 30;
    /** Independent chains per thread: more than FMA latency × FMA units on current x86 and ARM. */
    private static final int CHAINS = 12;
    /** FMAs per chain and thread in one sample: long against starting the threads. */
    private static final int ITERATIONS = 1 << 22;
    private static final int REPEATS = 5;
    private static final long MIN_NANOS = 1_000_000_000;

    /** Measures both limits on {@code threads} threads (about a second with the default buffer). */
    public static MachineLimits measure(int threads, long bufferBytes) {
        requireVectors();
        try (ProbeThreads probeThreads = new ProbeThreads(threads);
             BandwidthProbe probe = new BandwidthProbe(probeThreads, bufferBytes)) {
            return measure(probeThreads, probe);
        }
    }

    /**
     * Fails with the reason when the probes cannot run: they use the vector backend's vectors,
     * so they run where it can.
     */
    static void requireVectors() {
        new VectorBackendProvider().unavailableReason().ifPresent(reason -> {
            throw new IllegalStateException("cannot measure the machine's limits: " + reason);
        });
    }

    /** Both limits on {@code threads}, the bandwidth as the best of the probe's passes. */
    static MachineLimits measure(ProbeThreads threads, BandwidthProbe probe) {
        return new MachineLimits(best(probe::pass), fmaPeak(threads), threads.size());
    }

    /**
     * The best of {@code rate} over at least {@link #REPEATS} samples and {@link #MIN_NANOS}: the
     * first samples come before the JIT has compiled the loop, and on a shared machine some lose
     * a core to other processes.
     */
    private static double best(DoubleSupplier rate) {
        double best = 0;
        long begin = System.nanoTime();
        for (int samples = 0; samples < REPEATS || System.nanoTime() - begin < MIN_NANOS; samples++) {
            best = Math.max(best, rate.getAsDouble());
        }
        return best;
    }

    /** Best of several runs of {@link #CHAINS} independent FMA chains on every thread. */
    private static double fmaPeak(ProbeThreads threads) {
        float[] sink = new float[threads.size()];
        double flopsPerRun = 2.0 * FLOATS.length() * CHAINS * ITERATIONS * threads.size();
        double best = best(() -> flopsPerRun / threads.time(t -> sink[t] += fmaChains(ITERATIONS)));
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

    /** Each limit as the higher of this measurement and {@code other} (on as many threads). */
    public MachineLimits orBetter(MachineLimits other) {
        if (other.threads != threads) {
            throw new IllegalArgumentException("limits on " + threads + " and " + other.threads + " threads");
        }
        return new MachineLimits(Math.max(bandwidth, other.bandwidth), Math.max(fmaFlops, other.fmaFlops), threads);
    }

    public double bandwidthGBs() {
        return bandwidth / 1e9;
    }

    public double fmaGflops() {
        return fmaFlops / 1e9;
    }
}
