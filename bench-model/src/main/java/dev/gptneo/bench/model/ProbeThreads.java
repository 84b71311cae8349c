package dev.gptneo.bench.model;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntConsumer;

/**
 * Persistent threads that run one job at a time, all of them started together; the calling
 * thread is thread 0. Each thread does its own share of a job (the probes split their work
 * evenly), so a job takes as long as its slowest thread, as a kernel's work does.
 */
final class ProbeThreads implements AutoCloseable {

    private final Thread[] threads;
    private final CyclicBarrier start;
    private final CyclicBarrier end;
    private volatile IntConsumer job;
    private volatile boolean closed;
    private volatile Throwable failure;

    ProbeThreads(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("the probes need at least one thread, got " + size);
        }
        start = new CyclicBarrier(size);
        end = new CyclicBarrier(size);
        threads = new Thread[size - 1];
        for (int i = 0; i < threads.length; i++) {
            int thread = i + 1;
            threads[i] = Thread.ofPlatform().daemon().name("gptneo-probe-" + thread).start(() -> loop(thread));
        }
    }

    int size() {
        return threads.length + 1;
    }

    /** Runs {@code job.accept(t)} on every thread {@code t} at once; returns the seconds until the last is done. */
    double time(IntConsumer job) {
        this.job = job;
        await(start);
        long begin = System.nanoTime();
        runJob(0);
        await(end);
        double seconds = (System.nanoTime() - begin) * 1e-9;
        Throwable first = failure;
        failure = null;
        if (first != null) {
            throw new IllegalStateException("probe thread failed: " + first, first);
        }
        return seconds;
    }

    private void loop(int thread) {
        while (true) {
            await(start);
            if (closed) {
                return;
            }
            runJob(thread);
            await(end);
        }
    }

    private void runJob(int thread) {
        try {
            job.accept(thread);
        } catch (Throwable e) {
            failure = e;
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (InterruptedException | BrokenBarrierException e) {
            throw new IllegalStateException("probe threads interrupted", e);
        }
    }

    /** Releases the threads, which see {@code closed} and end. */
    @Override
    public void close() {
        closed = true;
        await(start);
    }
}
