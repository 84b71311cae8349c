package dev.gptneo.kernels.vector;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Persistent worker threads that run one {@link Task} at a time on all of them, the calling
 * thread included (it is worker 0).
 *
 * <p>A decode step dispatches ~90 tasks of a few hundred microseconds each, so handing work over
 * must cost far less than a park/unpark round trip (tens of microseconds): idle workers spin on a
 * generation counter for a while before parking, and the caller spins while it waits for them.
 * Dispatch allocates nothing.
 */
public final class WorkerPool implements AutoCloseable {

    /** Work split across the pool; called once per worker with its index. */
    @FunctionalInterface
    public interface Task {
        void run(int worker, int workers);
    }

    /** How long an idle worker spins before parking: longer than the gaps inside a forward pass. */
    private static final long SPIN_NANOS = 200_000;

    private final Thread[] threads;
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Task task;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;

    public WorkerPool(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a worker pool needs at least one thread, got " + size);
        }
        threads = new Thread[size - 1];
        for (int i = 0; i < threads.length; i++) {
            int worker = i + 1;
            threads[i] = Thread.ofPlatform().daemon().name("gptneo-vector-" + worker)
                    .start(() -> workLoop(worker));
        }
    }

    public int size() {
        return threads.length + 1;
    }

    /** Runs {@code t} on every worker and returns when all are done; rethrows a worker's failure. */
    public void run(Task t) {
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        int workers = size();
        if (workers == 1) {
            t.run(0, 1);
            return;
        }
        task = t;
        remaining.set(workers - 1);
        generation++; // the volatile write publishes task and remaining
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
        }
        Throwable own = null;
        try {
            t.run(0, workers);
        } catch (Throwable e) {
            own = e;
        }
        for (int spins = 0; remaining.get() != 0; spins++) {
            if (spins < 1 << 16) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // a worker was descheduled: let it run
            }
        }
        task = null;
        Throwable theirs = failure;
        failure = null;
        if (own != null || theirs != null) {
            Throwable first = own != null ? own : theirs;
            if (first instanceof RuntimeException re) {
                throw re;
            }
            if (first instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("worker failed", first);
        }
    }

    private void workLoop(int worker) {
        long seen = 0;
        while (true) {
            long now = awaitGeneration(seen);
            if (closed) {
                return;
            }
            seen = now;
            try {
                task.run(worker, size());
            } catch (Throwable e) {
                failure = e;
            } finally {
                remaining.decrementAndGet();
            }
        }
    }

    /** Spins, then parks, until a new task is published or the pool closes. */
    private long awaitGeneration(long seen) {
        long spinStart = System.nanoTime();
        for (int spins = 0; ; spins++) {
            long now = generation;
            if (now != seen || closed) {
                return now;
            }
            if ((spins & 63) != 0 || System.nanoTime() - spinStart < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
        }
    }
}
