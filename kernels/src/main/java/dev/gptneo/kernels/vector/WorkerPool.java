package dev.gptneo.kernels.vector;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Persistent worker threads that share out the chunks of one {@link Task} at a time; the calling
 * thread works too (as worker 0).
 *
 * <p>Chunks are claimed dynamically rather than dealt out in advance: on a busy machine the OS
 * deschedules a worker now and then, and with a fixed split every task would wait a whole time
 * slice for it; here the others take its chunks, and a task only waits for chunks already begun.
 * Each worker owns a contiguous region of the chunks and claims it front to back, so that in a
 * memory-bound task the chunks it runs are one stream for the hardware prefetcher; a worker
 * whose region is done takes chunks from the back of the others' regions (faster than workers
 * taking turns along one sequence, which gives each every other chunk: docs/performance-notes.md).
 *
 * <p>A decode step of GPT-Neo 125M dispatches 61 tasks of tens to hundreds of microseconds
 * each, so handing work over must cost far less than a park/unpark round trip: idle workers
 * spin for a while before parking. The caller, once its own chunks are done, spins the same
 * while for the last ones and then parks too, so that a worker the OS descheduled mid-chunk can
 * have the caller's core. Dispatch allocates nothing.
 */
final class WorkerPool implements AutoCloseable {

    /** Work split into chunks; {@code run} is called once per chunk, by whichever worker claims it. */
    @FunctionalInterface
    interface Task {
        void run(int worker, int chunk);
    }

    /**
     * Chunks per worker for work split evenly: enough that the share of a worker the OS
     * deschedules for a while is small, few enough that claims are rare.
     */
    static final int CHUNKS_PER_WORKER = 8;
    /** The most chunks a task may have (the claim word's index field). */
    static final int MAX_CHUNKS = 0xffff;
    /**
     * How long a thread spins before it parks, idle between tasks or waiting for a task's last
     * chunks: longer than the gaps inside a forward pass, and than a chunk of decode.
     */
    private static final long SPIN_NANOS = 200_000;

    /** Longs between two regions' words: one cache line, so that claims in one do not slow the others. */
    private static final int REGION_STRIDE = 8;

    private final Thread[] threads;
    /**
     * Per worker, its region of the task in progress, in one word so that a claim checks all
     * three atomically: dispatch number (bits 63–32), next unclaimed chunk (31–16), end (15–0).
     * A worker that wakes late cannot claim a chunk of a later task.
     */
    private final AtomicLongArray regions;
    /** The dispatch number of the task in progress, published after its regions. */
    private final AtomicLong dispatches = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    /** The chunks of the task in progress, for the worker that completes the last to see. */
    private volatile int taskChunks;
    /** The caller of {@link #run}, while it is parked waiting for the last chunks. */
    private volatile Thread waiter;
    private volatile Task task;
    private volatile boolean closed;
    private volatile Throwable failure;

    WorkerPool(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a worker pool needs at least one thread, got " + size);
        }
        threads = new Thread[size - 1];
        regions = new AtomicLongArray(size * REGION_STRIDE);
        for (int i = 0; i < threads.length; i++) {
            int worker = i + 1;
            threads[i] = Thread.ofPlatform().daemon().name("gptneo-vector-" + worker)
                    .start(() -> workLoop(worker));
        }
    }

    int size() {
        return threads.length + 1;
    }

    /**
     * Runs chunks {@code 0 … chunks-1} of {@code t} across the pool and returns when all are
     * done; rethrows the first failure.
     */
    void run(int chunks, Task t) {
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        if (chunks < 1 || chunks > MAX_CHUNKS) {
            throw new IllegalArgumentException("chunks must be in [1, " + MAX_CHUNKS + "], got " + chunks);
        }
        task = t;
        taskChunks = chunks;
        done.set(0);
        long dispatch = (dispatches.get() + 1) & 0xffffffffL; // as the regions' words hold it
        int size = size();
        for (int r = 0; r < size; r++) {
            long start = (long) chunks * r / size;
            long end = (long) chunks * (r + 1) / size;
            regions.set(r * REGION_STRIDE, dispatch << 32 | start << 16 | end);
        }
        dispatches.set(dispatch); // publishes task, done and the regions
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
        }
        work(0, dispatch);
        awaitDone(chunks);
        task = null;
        Throwable first = failure;
        failure = null;
        if (first instanceof RuntimeException re) {
            throw re;
        }
        if (first instanceof Error err) {
            throw err;
        }
        if (first != null) {
            throw new IllegalStateException("worker failed", first);
        }
    }

    /**
     * Claims and runs chunks of dispatch {@code dispatch} until none is left: its own region's
     * from the front, then the other regions' from the back.
     */
    private void work(int worker, long dispatch) {
        int size = size();
        for (int i = 0; i < size; i++) {
            int at = (worker + i) % size * REGION_STRIDE;
            boolean own = i == 0;
            while (true) {
                long word = regions.get(at);
                int next = (int) (word >>> 16 & 0xffff);
                int end = (int) (word & 0xffff);
                if (word >>> 32 != dispatch) {
                    return; // a later task began, so every chunk of this one was claimed and done
                }
                if (next == end) {
                    break;
                }
                if (!regions.compareAndSet(at, word, own ? word + (1 << 16) : word - 1)) {
                    continue;
                }
                // The claim succeeded, so the task cannot complete (and be replaced) before this chunk.
                runChunk(worker, own ? next : end - 1);
            }
        }
    }

    private void runChunk(int worker, int chunk) {
        try {
            task.run(worker, chunk);
        } catch (Throwable e) {
            if (failure == null) {
                failure = e;
            }
        } finally {
            if (done.incrementAndGet() == taskChunks) {
                Thread caller = waiter;
                if (caller != null) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    /**
     * Waits until all {@code chunks} of the task are done: spins for as long as a chunk takes,
     * then parks until the last one is. A longer wait means that a worker holding a chunk was
     * descheduled, most often for another process; a caller that keeps spinning holds the core
     * that the OS could move that worker to, whereas a parked one leaves it idle, and an idle
     * core takes a waiting thread from a busy one.
     */
    private void awaitDone(int chunks) {
        long spinStart = System.nanoTime();
        for (int spins = 0; done.get() != chunks; spins++) {
            if (stillSpinning(spins, spinStart)) {
                Thread.onSpinWait();
            } else {
                waiter = Thread.currentThread();
                if (done.get() != chunks) { // checked again after publishing the waiter: no lost wake-up
                    LockSupport.park(this);
                }
                waiter = null;
            }
        }
    }

    private void workLoop(int worker) {
        long seen = 0;
        while (!closed) {
            long dispatch = awaitDispatch(seen);
            if (!closed) {
                work(worker, dispatch);
            }
            seen = dispatch;
        }
    }

    /** Spins, then parks, until a new dispatch is published or the pool closes. */
    private long awaitDispatch(long seen) {
        long spinStart = System.nanoTime();
        for (int spins = 0; ; spins++) {
            long dispatch = dispatches.get();
            if (dispatch != seen || closed) {
                return dispatch;
            }
            if (stillSpinning(spins, spinStart)) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
    }

    /** Whether a wait that began at {@code spinStart} should spin on; the clock is read every 64 spins. */
    private static boolean stillSpinning(int spins, long spinStart) {
        return (spins & 63) != 0 || System.nanoTime() - spinStart < SPIN_NANOS;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
        }
    }
}
