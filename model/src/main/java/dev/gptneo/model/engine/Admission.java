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
 *
 * <p>A refused caller is told when to retry from what holds the slots now: a running sequence
 * gives its slot back after its remaining tokens, one engine step each; a paused one when its
 * reader takes tokens again, which may be never, or when the stall limit ends it. The soonest
 * of these is the hint, not an average over past requests, which stalled readers never join.
 */
final class Admission {

    /**
     * Bounds of the suggested retry delay given to refused callers: the longest is about twice
     * the default stall limit, as a slot held by a stalled reader frees up within the limit.
     */
    private static final Duration MIN_RETRY = Duration.ofMillis(10);
    private static final Duration MAX_RETRY = Duration.ofMinutes(1);
    /** An engine step's time until one has been measured. */
    private static final long FIRST_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

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
    /** Why submissions are refused once {@code accepting} is false: shutdown, or the engine's failure. */
    private String closedReason;
    /** Moving average of an engine step's time, written by the engine's thread: the basis of the retry hint. */
    private volatile long stepNanos = FIRST_STEP_NANOS;
    /** How long a sequence may stay paused before the engine ends it; 0: without limit. */
    private volatile long stallNanos;

    Admission(int maxConcurrent, int maxQueued) {
        this.maxConcurrent = maxConcurrent;
        this.maxQueued = maxQueued;
    }

    /** Queues {@code s}, or refuses it at once when every slot and every place in the queue is taken. */
    void enqueue(Sequence s) {
        lock.lock();
        try {
            if (!accepting) {
                throw closedReason == null ? new EngineClosedException() : new EngineClosedException(closedReason);
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
            holding.remove(s);
            wake();
        } finally {
            lock.unlock();
        }
    }

    /** One engine step took {@code nanos}; on the engine's thread. */
    void stepped(long nanos) {
        stepNanos = (long) (0.9 * stepNanos + 0.1 * nanos);
    }

    /** @param nanos how long a sequence may stay paused before the engine ends it; 0: without limit */
    void stallLimit(long nanos) {
        stallNanos = nanos;
    }

    long stallNanos() {
        return stallNanos;
    }

    /**
     * The engine cannot go on: refuses every submission from now on with {@code reason}, and
     * hands over every sequence still in it (queued, holding a slot, or dropped and not yet told)
     * for the engine's thread to fail.
     */
    Set<Sequence> closeForGood(String reason) {
        lock.lock();
        try {
            accepting = false;
            closedReason = reason;
            Set<Sequence> left = new LinkedHashSet<>(holding);
            left.addAll(waiting);
            left.addAll(dropped);
            waiting.clear();
            dropped.clear();
            wake();
            return left;
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

    /**
     * Sleeps unless something was signalled since {@code seen} (a signal in between is not lost),
     * at most until {@code untilNanos} ({@link System#nanoTime}; Long.MAX_VALUE: no limit).
     */
    void awaitSignalSince(long seen, long untilNanos) {
        lock.lock();
        try {
            while (signals == seen) {
                if (untilNanos == Long.MAX_VALUE) {
                    signal.awaitUninterruptibly();
                } else {
                    long left = untilNanos - System.nanoTime();
                    if (left <= 0 || signal.awaitNanos(left) <= 0) {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // nobody interrupts the engine's thread; keep the flag if someone did
        } finally {
            lock.unlock();
        }
    }

    /**
     * The soonest a slot is given back, so a place in the queue frees up: over the sequences
     * holding a slot, the least of their expected releases; guarded by the lock.
     */
    private Duration retryHint() {
        long now = System.nanoTime();
        long soonest = holding.isEmpty() ? stepNanos : Long.MAX_VALUE;
        for (Sequence s : holding) {
            soonest = Math.min(soonest, s.nanosUntilRelease(now, stepNanos, stallNanos));
        }
        Duration hint = Duration.ofNanos(soonest);
        return hint.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : hint.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : hint;
    }
}
