package dev.gptneo.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Test
    void everyWorkerRunsEveryTaskOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            int[] counts = new int[3];
            for (int round = 0; round < 1000; round++) {
                pool.run((worker, workers) -> counts[worker] += workers);
            }
            assertArrayEquals(new int[] {3000, 3000, 3000}, counts);
        }
    }

    @Test
    void aWorkersFailureReachesTheCallerAndThePoolKeepsWorking() {
        try (WorkerPool pool = new WorkerPool(2)) {
            var e = assertThrows(IllegalStateException.class, () -> pool.run((worker, workers) -> {
                if (worker == 1) {
                    throw new IllegalStateException("boom in worker 1");
                }
            }));
            assertEquals("boom in worker 1", e.getMessage());
            int[] ran = new int[2];
            pool.run((worker, workers) -> ran[worker]++);
            assertArrayEquals(new int[] {1, 1}, ran);
        }
    }

    @Test
    void aClosedPoolSaysSo() {
        WorkerPool pool = new WorkerPool(2);
        pool.close();
        var e = assertThrows(IllegalStateException.class, () -> pool.run((worker, workers) -> { }));
        assertTrue(e.getMessage().contains("closed"));
    }

    @Test
    void machineLimitsArePlausible() {
        MachineLimits limits = MachineLimits.measure(2, 8L << 20);
        assertTrue(limits.bandwidthGBs() > 0.1, "bandwidth " + limits.bandwidthGBs());
        assertTrue(limits.fmaGflops() > 0.1, "fma " + limits.fmaGflops());
    }
}
