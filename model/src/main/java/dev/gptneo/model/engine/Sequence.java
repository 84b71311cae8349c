package dev.gptneo.model.engine;

import dev.gptneo.model.KvBlockPool;
import dev.gptneo.model.KvCache;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationListener;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One submitted request: the caller's handle, and the listener of its generation, which is
 * created, driven, preempted and ended only on the engine's thread, as is its KV cache. Whatever
 * happens, its listener hears exactly one end (onFinish or onFailure), after the slot has been
 * given back.
 */
final class Sequence implements GenerationHandle, GenerationListener {

    private static final Logger LOG = Logger.getLogger(Sequence.class.getName());

    final RequestListener listener;
    private final int[] promptIds;
    private final GenerationParams params;
    private final Admission admission;
    /** Written on the engine's thread, read by the admission's for the retry hint. */
    private volatile int generated;
    /** Since when its consumer has not been ready ({@link System#nanoTime}), 0 while it is; as {@code generated}. */
    private volatile long pausedSinceNanos;
    private volatile boolean cancelled;
    private volatile boolean aborted;
    // Engine thread only.
    private KvCache cache;
    private Generation generation;
    private boolean ended;

    Sequence(int[] promptIds, GenerationParams params, RequestListener listener, Admission admission) {
        this.promptIds = promptIds;
        this.params = params;
        this.listener = listener;
        this.admission = admission;
    }

    /**
     * On the engine's thread, as it is admitted: takes the blocks to run everything so far (its
     * prompt, or after a preemption its prompt and the tokens generated) and the next token,
     * provided that {@code headroom} blocks are then still free; false, taking none, otherwise.
     */
    boolean claimBlocks(KvBlockPool pool, int headroom) {
        if (cache == null) {
            cache = pool.newCache();
        }
        int positions = (generation == null ? promptIds.length : generation.contextLength()) + 1;
        return pool.freeBlocks() - cache.blocksNeeded(positions) >= headroom && cache.reserve(positions);
    }

    /** Creates the generation on its cache, once admitted the first time; a preempted one goes on as it was. */
    void start(LoadedModel model) {
        if (generation == null) {
            generation = new Generation(model, cache, promptIds, params, this);
        }
    }

    /** Gives its blocks back; it recomputes what it had once admitted again. */
    void preempt() {
        generation.preempt();
    }

    Generation generation() {
        return generation;
    }

    boolean cancelled() {
        return cancelled;
    }

    /**
     * Its consumer is not ready: returns since when it has not been, the first such call
     * starting the count. On the engine's thread.
     */
    long pausedSince(long now) {
        if (pausedSinceNanos == 0) {
            pausedSinceNanos = now;
        }
        return pausedSinceNanos;
    }

    /** Its consumer is ready again; on the engine's thread. */
    void unpaused() {
        pausedSinceNanos = 0;
    }

    /**
     * About how long until it gives back its slot: running, after its remaining tokens at one
     * step each; paused, once the stall limit ends it, or never without one (Long.MAX_VALUE).
     */
    long nanosUntilRelease(long now, long stepNanos, long stallNanos) {
        long paused = pausedSinceNanos;
        if (paused != 0) {
            return stallNanos > 0 ? Math.max(0, paused + stallNanos - now) : Long.MAX_VALUE;
        }
        return Math.max(1, params.maxNewTokens() - generated) * stepNanos;
    }

    /** Whether its listener has heard the end: the engine drops it. */
    boolean ended() {
        return ended;
    }

    /** Ends a cancelled sequence: CANCELLED (or the shutdown's failure), its cache freed. */
    void finishCancelled() {
        if (generation == null) {
            // Left the queue before it started (so took no blocks): nothing ran.
            onFinish("", StopReason.CANCELLED, new TokenUsage(promptIds.length, 0, 0, 0));
        } else {
            generation.cancel();
            generation.finishIfCancelled();
        }
    }

    /** Fails it with {@code cause}, frees its cache and slot; a listener that has heard its end hears nothing more. */
    void fail(Throwable cause) {
        if (generation != null) {
            generation.close();
        } else if (cache != null) {
            cache.close(); // admitted, but its generation could not be made
        }
        admission.release(this);
        if (ended) {
            LOG.log(Level.WARNING, "a request's listener failed after its end", cause);
            return;
        }
        ended = true;
        try {
            listener.onFailure(cause);
        } catch (RuntimeException e) {
            e.addSuppressed(cause);
            LOG.log(Level.WARNING, "a request's listener failed in onFailure", e);
        }
    }

    /** Shutdown's grace period is over: it ends with an {@link EngineClosedException}. */
    void abort() {
        aborted = true;
        cancel();
    }

    @Override
    public void cancel() {
        cancelled = true;
        admission.cancel(this);
    }

    @Override
    public void resume() {
        admission.wake();
    }

    @Override
    public void onToken(GeneratedToken token, String textDelta) {
        generated++; // the engine's thread alone writes it
        listener.onToken(token, textDelta);
    }

    /** Gives the slot back before the caller hears of the end, so that it may submit again at once. */
    @Override
    public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
        admission.release(this);
        ended = true;
        // Stopped by shutdown: a failure. Cancelled by its caller: a normal end.
        if (reason == StopReason.CANCELLED && aborted) {
            listener.onFailure(new EngineClosedException());
        } else {
            listener.onFinish(textDelta, reason, usage);
        }
    }
}
