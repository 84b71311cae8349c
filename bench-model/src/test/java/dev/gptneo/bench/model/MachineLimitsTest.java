package dev.gptneo.bench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class MachineLimitsTest {

    @Test
    void machineLimitsAreMeasured() {
        // A small buffer keeps the test quick; on a busy machine the JIT may not have compiled
        // the probes within it, so only the plumbing is checked here, not the figures.
        MachineLimits limits = MachineLimits.measure(2, 8L << 20);
        assertEquals(2, limits.threads());
        assertTrue(limits.bandwidthGBs() > 0, "bandwidth " + limits.bandwidthGBs());
        assertTrue(limits.fmaGflops() > 0, "fma " + limits.fmaGflops());
    }

    @Test
    void everyProbeThreadRunsEachJobOnce() {
        try (ProbeThreads threads = new ProbeThreads(3)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(3);
            for (int job = 0; job < 100; job++) {
                assertTrue(threads.time(runs::incrementAndGet) >= 0);
            }
            for (int t = 0; t < 3; t++) {
                assertEquals(100, runs.get(t), "thread " + t);
            }
        }
    }

    @Test
    void aFailingProbeThreadFailsTheJob() {
        try (ProbeThreads threads = new ProbeThreads(2)) {
            var e = assertThrows(IllegalStateException.class, () -> threads.time(t -> {
                if (t == 1) {
                    throw new ArithmeticException("boom");
                }
            }));
            assertTrue(e.getMessage().contains("boom"), e.getMessage());
            assertEquals(2, threads.size());
        }
    }
}
