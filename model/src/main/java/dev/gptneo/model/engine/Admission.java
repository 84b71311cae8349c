package dev.gptneo.model.engine;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The engine's slots and its bounded FIFO queue, shared between the callers' threads (submit,
 * cancel, resume, shutdown) and the engine's thread, under one lock. A slot is given back the
 * moment its sequence ends or is cancelled, so that a caller may submit again at once; the
 * engine's thread frees the sequence's memory at its next step. The head of the queue is
 * admitted only once the engine's KV pool has its blocks, and a preempted sequence goes back
 * to the head.
 */
final class Admission {

    /** Bounds of the suggested retry delay given to refused callers. */
    private static final Duration MIN_RETRY = Duration.ofMillis(10);
    private static final Duration MAX_RETRY = Duration.ofSeconds(10);

    /**
     * What the engine's thread takes at the start of a step.
     *
     * @param admitted moved from the queue into free slots, in FIFO order
     * @param dropped left the queue (cancelled or aborted) and still to be told so
     * @param seen the signal count, for {@link #awaitSignalSince}
     */
    record Turn(List<Sequence> admitted, List<Sequence> dropped, long seen) {
    }

    /** Takes the KV blocks a sequence needs to be admitted, leaving {@code headroom} free, or refuses it (taking none). */
    interface BlockClaim {
        boolean claim(Sequence s, int headroom);
    }

    private final int maxConcurrent;
    private final int maxQueued;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();
    // Guarded by lock.
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final Set<Sequence> holding = new LinkedHashSet<>();
    private final List<Sequence> dropped = new ArrayList<>();
    private long signals;
    private boolean accepting = true;
    /** Moving average of how long a sequence holds its slot; the basis of the retry hint. */
    private double meanHoldNanos = TimeUnit.SECONDS.toNanos(1);

    Admission(int maxConcurrent, int maxQueued) {
        this.maxConcurrent = maxConcurrent;
        this.maxQueued = maxQueued;
    }

    /** Queues {@code s}, or refuses it at once when every slot and every place in the queue is taken. */
    void enqueue(Sequence s) {
        lock.lock();
        try {
            if (!accepting) {
                throw new EngineClosedException();
            }
            if (holding.size() + waiting.size() >= maxConcurrent + maxQueued) {
                throw new OverloadedException(maxConcurrent, maxQueued, retryHint());
            }
            waiting.add(s);
            wake();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Admits, in FIFO order, what the free slots allow and {@code blocks} grants (the KV blocks
     * of the queue's head, leaving one free for each sequence that holds a slot, as each may need
     * a new one at its next step; once it refuses, nothing behind the head is admitted either),
     * and hands over the dropped; null once shutdown has begun and nothing is left
     * ({@code idle}: the engine runs no sequence), which ends the thread.
     */
    Turn nextTurn(boolean idle, BlockClaim blocks) {
        lock.lock();
        try {
            if (!accepting && idle && waiting.isEmpty() && holding.isEmpty() && dropped.isEmpty()) {
                return null;
            }
            List<Sequence> admitted = new ArrayList<>();
            while (holding.size() < maxConcurrent && !waiting.isEmpty() && blocks.claim(waiting.peek(), holding.size())) {
                Sequence s = waiting.poll();
                s.admittedNanos = System.nanoTime();
                holding.add(s);
                admitted.add(s);
            }
            List<Sequence> gone = List.copyOf(dropped);
            dropped.clear();
            return new Turn(admitted, gone, signals);
        } finally {
            lock.unlock();
        }
    }

    /** A queued sequence leaves the queue; a running one gives back its slot. */
    void cancel(Sequence s) {
        lock.lock();
        try {
            if (waiting.remove(s)) {
                dropped.add(s);
            }
            release(s);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A preempted sequence gives back its slot and waits again, at the head of the queue; one
     * cancelled meanwhile (its slot already given back) is dropped instead, to be told so.
     */
    void requeue(Sequence s) {
        lock.lock();
        try {
            if (holding.remove(s)) {
                waiting.addFirst(s);
            } else {
                dropped.add(s);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Gives back {@code s}'s slot if it holds one (once, however often called). */
    void release(Sequence s) {
        lock.lock();
        try {
            if (holding.remove(s)) {
                meanHoldNanos = 0.9 * meanHoldNanos + 0.1 * (System.nanoTime() - s.admittedNanos);
            }
            wake();
        } finally {
            lock.unlock();
        }
    }

    /** The counts of slots and queue, with the engine's own figures as given. */
    EngineStats stats(int paused, int kvBlocksUsed, int kvBlocksFree, long preemptions) {
        lock.lock();
        try {
            return new EngineStats(holding.size(), waiting.size(), Math.min(paused, holding.size()), kvBlocksUsed,
                    kvBlocksFree, preemptions);
        } finally {
            lock.unlock();
        }
    }

    boolean accepting() {
        lock.lock();
        try {
            return accepting;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops admitting new submissions; the queue and the slots drain for up to {@code grace}
     * (the engine keeps admitting what is queued), then whatever is left is aborted.
     */
    void close(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        lock.lock();
        try {
            accepting = false;
            wake();
            while (!(waiting.isEmpty() && holding.isEmpty()) && signal.awaitNanos(deadline - System.nanoTime()) > 0) {
                // every release signals
            }
            for (Sequence s : List.copyOf(waiting)) {
                s.abort();
            }
            for (Sequence s : List.copyOf(holding)) {
                s.abort();
            }
            wake();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the engine's thread (and a waiting shutdown). */
    void wake() {
        lock.lock();
        try {
            signals++;
            signal.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Sleeps unless something was signalled since {@code seen}: a signal in between is not lost. */
    void awaitSignalSince(long seen) {
        lock.lock();
        try {
            while (signals == seen) {
                signal.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    /** With the slots all taken, one frees up about every meanHold / maxConcurrent; so does a place in the queue. */
    private Duration retryHint() {
        Duration hint = Duration.ofNanos((long) (meanHoldNanos / maxConcurrent));
        return hint.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : hint.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : hint;
    }
}
