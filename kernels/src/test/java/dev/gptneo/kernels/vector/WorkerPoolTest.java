package dev.gptneo.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A lost wake-up hangs a call, so each test fails after a minute rather than hanging the build. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WorkerPoolTest {

    @Test
    void everyChunkRunsExactlyOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            AtomicIntegerArray counts = new AtomicIntegerArray(100);
            for (int round = 0; round < 1000; round++) {
                int chunks = 1 + round % 100;
                pool.run(chunks, (worker, chunk) -> counts.incrementAndGet(chunk));
            }
            for (int chunk = 0; chunk < 100; chunk++) {
                assertEquals(1000 - chunk * 10, counts.get(chunk), "chunk " + chunk);
            }
        }
    }

    /**
     * Each worker runs a prefix of its own region in order (one stream through memory) and takes
     * others' chunks from their back: region w of n chunks over s workers is [n·w/s, n·(w+1)/s).
     */
    @Test
    void workersRunTheirOwnRegionFrontToBackAndTakeOthersFromTheBack() {
        int size = 3;
        try (WorkerPool pool = new WorkerPool(size)) {
            for (int round = 0; round < 300; round++) {
                int chunks = 1 + round % 60;
                List<List<Integer>> ran = new ArrayList<>();
                for (int w = 0; w < size; w++) {
                    ran.add(new ArrayList<>());
                }
                pool.run(chunks, (worker, chunk) -> {
                    ran.get(worker).add(chunk); // one list per worker: no other thread writes it
                    Thread.onSpinWait();
                });
                for (int w = 0; w < size; w++) {
                    int start = chunks * w / size;
                    int end = chunks * (w + 1) / size;
                    List<Integer> own = ran.get(w).stream().filter(c -> c >= start && c < end).toList();
                    for (int i = 0; i < own.size(); i++) {
                        assertEquals(start + i, own.get(i), "worker " + w + " ran " + ran.get(w) + " of " + chunks);
                    }
                    for (int r = 0; r < size; r++) {
                        int rs = chunks * r / size;
                        int re = chunks * (r + 1) / size;
                        List<Integer> taken = ran.get(w).stream().filter(c -> c >= rs && c < re).toList();
                        for (int i = 0; r != w && i < taken.size(); i++) {
                            assertTrue(i == 0 || taken.get(i) < taken.get(i - 1),
                                    "worker " + w + " took " + taken + " from region " + r + " of " + chunks);
                        }
                    }
                }
            }
        }
    }

    /**
     * A chunk that outlasts the caller's spin makes the caller park; the worker that completes the
     * last chunk must wake it. Durations around the spin's length race the park against that
     * wake-up: a lost one would hang the call.
     */
    @Test
    void aCallerParkedForTheLastChunkIsWokenWhenItIsDone() {
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int round = 0; round < 600; round++) {
                long nanos = round % 30 * 20_000L; // 0 to 580 µs, around the 200 µs spin
                AtomicIntegerArray ran = new AtomicIntegerArray(2);
                pool.run(2, (worker, chunk) -> {
                    if (chunk == 1) {
                        LockSupport.parkNanos(nanos);
                    }
                    ran.incrementAndGet(chunk);
                });
                assertEquals(1, ran.get(0), "round " + round);
                assertEquals(1, ran.get(1), "round " + round);
            }
        }
    }

    @Test
    void aWorkersFailureReachesTheCallerAndThePoolKeepsWorking() {
        try (WorkerPool pool = new WorkerPool(2)) {
            var e = assertThrows(IllegalStateException.class, () -> pool.run(8, (worker, chunk) -> {
                if (chunk == 5) {
                    throw new IllegalStateException("boom in chunk 5");
                }
            }));
            assertEquals("boom in chunk 5", e.getMessage());
            AtomicIntegerArray ran = new AtomicIntegerArray(4);
            pool.run(4, (worker, chunk) -> ran.incrementAndGet(chunk));
            assertEquals("[1, 1, 1, 1]", ran.toString());
        }
    }

    @Test
    void aClosedPoolSaysSo() {
        WorkerPool pool = new WorkerPool(2);
        pool.close();
        var e = assertThrows(IllegalStateException.class, () -> pool.run(1, (worker, chunk) -> { }));
        assertTrue(e.getMessage().contains("closed"));
    }

}
