package dev.gptneo.model.engine;

import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationListener;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.InvalidRequestException;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One thread owns the model and steps the active requests in turn, one token each per round, so
 * every running request makes progress and a cancelled one is dropped at its next turn. Requests
 * whose consumer is not ready are skipped; when no request can progress, the thread sleeps until
 * a submit, resume, cancel or shutdown signals it.
 */
public final class RoundRobinEngine implements GenerationEngine {

    /** Bounds of the suggested retry delay given to refused callers. */
    private static final Duration MIN_RETRY = Duration.ofMillis(10);
    private static final Duration MAX_RETRY = Duration.ofSeconds(10);

    private final LoadedModel model;
    private final int maxConcurrent;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();
    // Guarded by lock.
    private final List<Slot> slots = new ArrayList<>();
    private long signals;
    private boolean accepting = true;
    /** Moving average of how long a request holds its slot; the basis of the retry hint. */
    private volatile double meanRequestNanos = TimeUnit.SECONDS.toNanos(1);

    public RoundRobinEngine(LoadedModel model, int maxConcurrent) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("max concurrent requests must be at least 1, got " + maxConcurrent);
        }
        this.model = model;
        this.maxConcurrent = maxConcurrent;
        this.thread = Thread.ofPlatform().name("gptneo-engine").daemon().start(this::loop);
    }

    /** False from the moment {@link #shutdown} begins: new submissions are refused. */
    public boolean accepting() {
        lock.lock();
        try {
            return accepting;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public GenerationHandle submit(int[] promptIds, GenerationParams params, RequestListener listener) {
        List<GenerationParams.Violation> violations = Generation.violations(model.model(), promptIds, params);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        lock.lock();
        try {
            if (!accepting) {
                throw new EngineClosedException();
            }
            if (slots.size() >= maxConcurrent) {
                throw new OverloadedException(maxConcurrent, retryHint());
            }
            Slot slot = new Slot(promptIds.clone(), params, listener);
            slots.add(slot);
            wake();
            return slot;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public EngineStats stats() {
        lock.lock();
        try {
            int queued = 0;
            int paused = 0;
            for (Slot slot : slots) {
                queued += slot.generation == null ? 1 : 0;
                paused += slot.paused ? 1 : 0;
            }
            return new EngineStats(slots.size(), queued, paused);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void shutdown(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        lock.lock();
        try {
            accepting = false;
            wake();
            while (!slots.isEmpty() && signal.awaitNanos(deadline - System.nanoTime()) > 0) {
                // the engine thread signals each time a request ends
            }
            for (Slot slot : slots) {
                slot.abort();
            }
            wake();
        } finally {
            lock.unlock();
        }
        thread.join();
    }

    private Duration retryHint() {
        // With n requests ending at random times, one ends about every mean/n.
        long nanos = (long) (meanRequestNanos / maxConcurrent);
        Duration hint = Duration.ofNanos(nanos);
        return hint.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : hint.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : hint;
    }

    /** Called with the lock held. */
    private void wake() {
        signals++;
        signal.signalAll();
    }

    private void signalFromOutside() {
        lock.lock();
        try {
            wake();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            List<Slot> round;
            long seen;
            lock.lock();
            try {
                if (!accepting && slots.isEmpty()) {
                    return;
                }
                round = List.copyOf(slots);
                seen = signals;
            } finally {
                lock.unlock();
            }
            boolean progressed = false;
            for (Slot slot : round) {
                progressed |= slot.advance();
            }
            if (!progressed) {
                awaitSignalSince(seen);
            }
        }
    }

    /** Sleeps unless something was signalled since {@code seen}: a signal between the two is not lost. */
    private void awaitSignalSince(long seen) {
        lock.lock();
        try {
            while (signals == seen) {
                signal.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    private void remove(Slot slot, long heldNanos) {
        meanRequestNanos = 0.9 * meanRequestNanos + 0.1 * heldNanos;
        lock.lock();
        try {
            slots.remove(slot);
            wake();
        } finally {
            lock.unlock();
        }
    }

    /**
     * One admitted request: the caller's handle, and the listener of its generation, which is
     * created and stepped only on the engine thread.
     */
    private final class Slot implements GenerationHandle, GenerationListener {

        private final int[] promptIds;
        private final GenerationParams params;
        private final RequestListener listener;
        private final long admittedNanos = System.nanoTime();
        private volatile Generation generation;
        private volatile boolean cancelled;
        private volatile boolean aborted;
        private volatile boolean paused;
        private boolean freed;

        Slot(int[] promptIds, GenerationParams params, RequestListener listener) {
            this.promptIds = promptIds;
            this.params = params;
            this.listener = listener;
        }

        /** Runs one step if the request can progress; returns whether it did anything. */
        boolean advance() {
            if (!cancelled && !listener.ready()) {
                paused = true;
                return false;
            }
            paused = false;
            try {
                if (generation == null) {
                    generation = new Generation(model, promptIds, params, this);
                }
                if (cancelled) {
                    generation.cancel();
                }
                generation.step();
            } catch (RuntimeException e) {
                if (generation != null) {
                    generation.close();
                }
                free();
                listener.onFailure(e);
            }
            return true;
        }

        /** Gives the slot back, before the caller hears of the end: it may submit again at once. */
        private void free() {
            if (!freed) {
                freed = true;
                remove(this, System.nanoTime() - admittedNanos);
            }
        }

        void abort() {
            aborted = true;
            cancel();
        }

        @Override
        public void cancel() {
            cancelled = true;
            signalFromOutside();
        }

        @Override
        public void resume() {
            signalFromOutside();
        }

        @Override
        public void onToken(GeneratedToken token, String textDelta) {
            listener.onToken(token, textDelta);
        }

        @Override
        public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
            free();
            // A request stopped by shutdown failed; one cancelled by its caller ended normally.
            if (reason == StopReason.CANCELLED && aborted) {
                listener.onFailure(new EngineClosedException());
            } else {
                listener.onFinish(textDelta, reason, usage);
            }
        }
    }
}
