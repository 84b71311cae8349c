package dev.gptneo.model.engine;

import dev.gptneo.model.Batch;
import dev.gptneo.model.GptNeoConfig;
import dev.gptneo.model.KvBlockPool;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.InvalidRequestException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Continuous batching at the iteration level (as TGI and vLLM): one thread owns the model and
 * loops: admit queued requests (FIFO) into free slots, drop the cancelled, skip those whose
 * consumer is not ready, and run one step for all the others together: a decode row for every
 * sequence past its prompt, then prompt chunks up to {@code maxBatchTokens} rows
 * ({@link StepPlanner}). A request joins or leaves between any two steps. When nothing can
 * progress the thread sleeps until a submit, resume, cancel or shutdown signals it.
 *
 * <p>Keys and values live in one {@link KvBlockPool} of a fixed byte budget, as vLLM's
 * PagedAttention keeps them: a queued request is admitted only when the pool has the blocks
 * for its prompt and first token, leaving a block for each running sequence to grow into.
 * When the pool runs dry all the same (a running sequence needs a new block and none is free),
 * the newest running sequence is preempted: its blocks are given back, it returns to the head
 * of the queue, and once admitted again it recomputes its tokens so far as a prompt and goes on
 * ({@link Generation#preempt}). Its consumer sees a pause, never an error or a token twice.
 *
 * <p>Faults: whatever a step's model work throws, an {@link OutOfMemoryError} included, fails
 * that step's sequences alone (their blocks go back to the pool) and the loop goes on. Should
 * {@value #MAX_FAILED_STEPS_IN_A_ROW} steps in a row fail, or anything escape the loop, the
 * engine stops for good instead of lingering: every request in it fails, new ones are refused,
 * and the {@link #onFatalError handler} is told, so that the server stops reporting SERVING.
 */
public final class BatchingEngine implements GenerationEngine {

    private static final Logger LOG = Logger.getLogger(BatchingEngine.class.getName());
    /**
     * One failed step is a request the heap had no room for at that moment; this many in a row,
     * each with other sequences (a failed step's own have left), is an engine that runs nothing.
     */
    static final int MAX_FAILED_STEPS_IN_A_ROW = 3;

    private final LoadedModel model;
    private final int maxBatchTokens;
    private final KvBlockPool pool;
    private final Admission admission;
    private final Thread thread;
    // Engine thread only: admitted sequences, earliest first.
    private final List<Sequence> running = new ArrayList<>();
    /** One logits row per entry of a step (a step holds each sequence at most once). */
    private final float[][] logitsRows;
    private volatile int paused;
    private volatile StepObserver stepObserver = (sequences, tokens, nanos) -> { };
    /** Written by the engine's thread alone. */
    private volatile long preemptions;
    private volatile Consumer<Throwable> fatalHandler = cause -> { };
    // Engine thread only.
    private int failedStepsInARow;
    private Throwable lastStepFailure;
    /** When the first paused sequence reaches the stall limit ({@link System#nanoTime}); Long.MAX_VALUE for none. */
    private long nextStallNanos = Long.MAX_VALUE;

    /**
     * @param maxConcurrent sequences that run at once
     * @param maxQueued requests that may wait for a slot; one more is refused
     * @param maxBatchTokens rows one step runs at most: bounds a step's time, so the gap between
     *     two tokens of a running stream; at least maxConcurrent, as every running sequence
     *     decodes one row per step
     * @param kvCacheBytes the KV pool's budget ({@link KvBudget#defaultBytes} unless told), at
     *     least what one sequence of a full context holds ({@link KvBudget#fullContextBytes}),
     *     so that the oldest sequence always has room
     */
    public BatchingEngine(LoadedModel model, int maxConcurrent, int maxQueued, int maxBatchTokens, long kvCacheBytes) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("max concurrent requests must be at least 1, got " + maxConcurrent);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("max queued requests must be at least 0, got " + maxQueued);
        }
        if (maxBatchTokens < maxConcurrent) {
            throw new IllegalArgumentException("max batch tokens (" + maxBatchTokens
                    + ") must be at least max concurrent requests (" + maxConcurrent + ")");
        }
        this.model = model;
        this.maxBatchTokens = maxBatchTokens;
        this.pool = model.model().newKvPool(poolBlocks(model.model().config(), kvCacheBytes));
        this.admission = new Admission(maxConcurrent, maxQueued);
        this.logitsRows = new float[maxConcurrent][];
        this.thread = Thread.ofPlatform().name("gptneo-engine").daemon().start(this::loop);
    }

    /**
     * The blocks {@code bytes} buy.
     *
     * @throws IllegalArgumentException if they are fewer than one sequence of a full context
     *     holds, or more than one pool tensor can address
     */
    private static int poolBlocks(GptNeoConfig config, long bytes) {
        long blocks = bytes / KvBlockPool.blockBytes(config);
        int oneSequence = KvBlockPool.blocksFor(config, config.maxPositions());
        if (blocks < oneSequence) {
            throw new IllegalArgumentException("a KV cache of " + KvBudget.mib(bytes) + " holds " + blocks
                    + " blocks of " + KvBlockPool.BLOCK_SIZE + " positions, fewer than the " + oneSequence
                    + " that one sequence of max_position_embeddings " + config.maxPositions() + " needs ("
                    + KvBudget.mib(KvBudget.fullContextBytes(config)) + ")");
        }
        long most = Integer.MAX_VALUE / ((long) KvBlockPool.BLOCK_SIZE * config.hidden());
        if (blocks > most) {
            throw new IllegalArgumentException("a KV cache of " + KvBudget.mib(bytes) + " is more than the "
                    + KvBudget.mib(most * KvBlockPool.blockBytes(config)) + " a pool's tensors can address");
        }
        return (int) blocks;
    }

    /** False from the moment {@link #shutdown} begins: new submissions are refused. */
    public boolean accepting() {
        return admission.accepting();
    }

    @Override
    public GenerationHandle submit(int[] promptIds, GenerationParams params, RequestListener listener) {
        List<GenerationParams.Violation> violations = Generation.violations(model.model(), promptIds, params);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        Sequence s = new Sequence(promptIds.clone(), params, listener, admission);
        admission.enqueue(s);
        return s;
    }

    /** Tells {@code observer} about every step from now on, instead of the one before. */
    public void observeSteps(StepObserver observer) {
        this.stepObserver = observer;
    }

    /**
     * Ends, with a {@link ConsumerStalledException}, a running request whose consumer has not
     * been ready for {@code limit}, freeing its slot and KV blocks (by default a paused request
     * waits for its consumer without limit).
     */
    public void stopStalledAfter(Duration limit) {
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("the stall limit must be positive, got " + limit);
        }
        admission.stallLimit(limit.toNanos());
        admission.wake(); // the thread may be asleep without a deadline
    }

    /**
     * Tells {@code handler}, once and on the engine's thread, that the engine has stopped for
     * good (see the class comment): it must not block, nor wait for the engine.
     */
    public void onFatalError(Consumer<Throwable> handler) {
        this.fatalHandler = handler;
    }

    @Override
    public EngineStats stats() {
        int used = pool.usedBlocks();
        return admission.stats(paused, used, pool.blocks() - used, preemptions);
    }

    @Override
    public void shutdown(Duration grace) throws InterruptedException {
        admission.close(grace);
        thread.join();
    }

    private void loop() {
        try {
            Admission.Turn turn;
            while ((turn = admission.nextTurn(running.isEmpty(), (s, headroom) -> s.claimBlocks(pool, headroom)))
                    != null) {
                take(turn);
                running.removeIf(Sequence::ended);
                if (failedStepsInARow >= MAX_FAILED_STEPS_IN_A_ROW) {
                    stop(new IllegalStateException(failedStepsInARow + " engine steps in a row failed, the last with "
                            + lastStepFailure, lastStepFailure));
                    return;
                }
            }
            pool.close(); // every sequence has ended and given its blocks back
        } catch (Throwable e) {
            stop(e);
        }
    }

    /** One turn: the dropped told, the admitted started, then one step for the runnable, or a sleep. */
    private void take(Admission.Turn turn) {
        try {
            for (Sequence s : turn.dropped()) {
                guarded(s, s::finishCancelled);
            }
            for (Sequence s : turn.admitted()) {
                if (guarded(s, () -> s.start(model))) {
                    running.add(s);
                }
            }
            List<Sequence> runnable = runnable(System.nanoTime());
            if (runnable.isEmpty()) {
                admission.awaitSignalSince(turn.seen(), nextStallNanos);
            } else {
                step(StepPlanner.plan(runnable, Sequence::generation, maxBatchTokens));
            }
        } catch (Throwable e) {
            // A fault of the engine's own: fail what runs rather than leave it hanging, and go on.
            failedStepsInARow++;
            lastStepFailure = e;
            LOG.log(Level.SEVERE, "engine step failed; failing the running requests", e);
            running.forEach(s -> s.fail(e));
        }
    }

    /**
     * The engine cannot go on: every sequence still in it fails with {@code cause} (giving back
     * its blocks), new submissions are refused, and the fatal handler is told. Each part is
     * guarded, as memory may still be short.
     */
    private void stop(Throwable cause) {
        Set<Sequence> left = new LinkedHashSet<>(running);
        try {
            left.addAll(admission.closeForGood("the generation engine stopped after an error: " + cause));
        } finally {
            running.clear();
            for (Sequence s : left) {
                try {
                    s.fail(cause);
                } catch (Throwable e) {
                    cause.addSuppressed(e);
                }
            }
            try {
                pool.close();
            } finally {
                fatalHandler.accept(cause);
            }
        }
    }

    /**
     * Ends the cancelled (freeing their caches) and the stalled (paused past the stall limit),
     * and returns those whose consumer is ready.
     */
    private List<Sequence> runnable(long now) {
        List<Sequence> runnable = new ArrayList<>(running.size());
        long stall = admission.stallNanos();
        int skipped = 0;
        nextStallNanos = Long.MAX_VALUE;
        for (Sequence s : running) {
            if (s.cancelled()) {
                guarded(s, s::finishCancelled);
            } else if (ready(s)) {
                s.unpaused();
                runnable.add(s);
            } else if (!s.ended()) {
                long since = s.pausedSince(now);
                if (stall > 0 && now - since >= stall) {
                    s.fail(new ConsumerStalledException(Duration.ofNanos(stall)));
                } else {
                    skipped++;
                    nextStallNanos = stall > 0 ? Math.min(nextStallNanos, since + stall) : Long.MAX_VALUE;
                }
            }
        }
        running.removeIf(Sequence::ended);
        paused = skipped;
        return runnable;
    }

    private static boolean ready(Sequence s) {
        try {
            return s.listener.ready();
        } catch (RuntimeException e) {
            s.fail(e);
            return false;
        }
    }

    /** Runs the step's model work, then gives each sequence its output; a fault fails exactly the step's sequences. */
    private void step(List<StepPlanner.Entry<Sequence>> planned) {
        List<StepPlanner.Entry<Sequence>> entries = withBlocks(planned);
        if (entries.isEmpty()) {
            return; // every sequence of the step was preempted
        }
        float[][] logits;
        try {
            long start = System.nanoTime();
            logits = forwardStep(entries);
            long nanos = System.nanoTime() - start;
            failedStepsInARow = 0;
            admission.stepped(nanos);
            int rows = 0;
            for (StepPlanner.Entry<Sequence> entry : entries) {
                rows += entry.ids().length;
            }
            stepObserver.stepped(entries.size(), rows, nanos);
        } catch (Throwable e) {
            // Out of memory included: the sequences of this step fail and free their caches; the others go on.
            failedStepsInARow++;
            lastStepFailure = e;
            LOG.log(Level.WARNING, "a step of " + entries.size() + " sequences failed", e);
            entries.forEach(entry -> entry.owner().fail(e));
            return;
        }
        for (int i = 0; i < entries.size(); i++) {
            Sequence s = entries.get(i).owner();
            float[] rowLogits = logits[i];
            guarded(s, () -> s.generation().accept(rowLogits));
        }
    }

    /**
     * The entries whose sequences have the blocks for the positions they are about to fill,
     * taken now. While the pool has too few for an entry, the newest running sequence is
     * preempted (and leaves the step), until the entry's blocks are free or its own sequence was
     * the newest. The oldest sequence is never preempted for another's sake, and alone it always
     * fits (the pool holds a full context), so a step always makes progress.
     */
    private List<StepPlanner.Entry<Sequence>> withBlocks(List<StepPlanner.Entry<Sequence>> planned) {
        List<StepPlanner.Entry<Sequence>> entries = new ArrayList<>(planned);
        for (int i = 0; i < entries.size(); ) {
            StepPlanner.Entry<Sequence> entry = entries.get(i);
            if (entry.cache().reserve(entry.cache().length() + entry.ids().length)) {
                i++;
                continue;
            }
            Sequence newest = running.getLast();
            preempt(newest);
            for (int j = 0; j < entries.size(); j++) {
                if (entries.get(j).owner() == newest) {
                    entries.remove(j);
                    i -= j < i ? 1 : 0;
                    break;
                }
            }
        }
        return entries;
    }

    /** Takes {@code s}'s blocks away and sends it back to the head of the queue. */
    private void preempt(Sequence s) {
        s.preempt();
        running.remove(s);
        admission.requeue(s);
        preemptions++;
    }

    /**
     * The model work of one step: the rows of every entry as one batch, so a step of many
     * sequences is one pass over the weights. Returns, per entry, the logits of its last row
     * where it wants them (null elsewhere).
     */
    private float[][] forwardStep(List<StepPlanner.Entry<Sequence>> entries) {
        Batch.Builder batch = Batch.builder();
        int wanted = 0;
        for (StepPlanner.Entry<Sequence> entry : entries) {
            batch.add(entry.cache(), entry.ids(), entry.wantsLogits() ? Batch.Logits.LAST : Batch.Logits.NONE);
            wanted += entry.wantsLogits() ? 1 : 0;
        }
        float[][] rows = new float[wanted][];
        float[][] out = new float[entries.size()][];
        for (int i = 0, row = 0; i < entries.size(); i++) {
            if (entries.get(i).wantsLogits()) {
                rows[row] = logitsRow(row);
                out[i] = rows[row++];
            }
        }
        model.model().forward(batch.build(), rows);
        return out;
    }

    private float[] logitsRow(int i) {
        if (logitsRows[i] == null) {
            logitsRows[i] = new float[model.model().config().vocabSize()];
        }
        return logitsRows[i];
    }

    /** Runs {@code work} for {@code s}; whatever it throws (a listener's fault too) fails {@code s} alone. */
    private static boolean guarded(Sequence s, Runnable work) {
        try {
            work.run();
            return true;
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "a request failed", e);
            s.fail(e);
            return false;
        }
    }
}
