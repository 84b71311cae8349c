package dev.gptneo.model.engine;

import dev.gptneo.model.Batch;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.InvalidRequestException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Continuous batching at the iteration level (as TGI and vLLM): one thread owns the model and
 * loops: admit queued requests (FIFO) into free slots, drop the cancelled, skip those whose
 * consumer is not ready, and run one step for all the others together: a decode row for every
 * sequence past its prompt, then prompt chunks up to {@code maxBatchTokens} rows
 * ({@link StepPlanner}). A request joins or leaves between any two steps. When nothing can
 * progress the thread sleeps until a submit, resume, cancel or shutdown signals it.
 */
public final class BatchingEngine implements GenerationEngine {

    private static final Logger LOG = Logger.getLogger(BatchingEngine.class.getName());

    private final LoadedModel model;
    private final int maxBatchTokens;
    private final Admission admission;
    private final Thread thread;
    // Engine thread only: admitted sequences, earliest first.
    private final List<Sequence> running = new ArrayList<>();
    /** One logits row per entry of a step (a step holds each sequence at most once). */
    private final float[][] logitsRows;
    private volatile int paused;
    private volatile StepObserver stepObserver = (sequences, tokens, nanos) -> { };

    /**
     * @param maxConcurrent sequences that run at once
     * @param maxQueued requests that may wait for a slot; one more is refused
     * @param maxBatchTokens rows one step runs at most: bounds a step's time, so the gap between
     *     two tokens of a running stream; at least maxConcurrent, as every running sequence
     *     decodes one row per step
     */
    public BatchingEngine(LoadedModel model, int maxConcurrent, int maxQueued, int maxBatchTokens) {
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
        this.admission = new Admission(maxConcurrent, maxQueued);
        this.logitsRows = new float[maxConcurrent][];
        this.thread = Thread.ofPlatform().name("gptneo-engine").daemon().start(this::loop);
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

    @Override
    public EngineStats stats() {
        return admission.stats(paused);
    }

    @Override
    public void shutdown(Duration grace) throws InterruptedException {
        admission.close(grace);
        thread.join();
    }

    private void loop() {
        Admission.Turn turn;
        while ((turn = admission.nextTurn(running.isEmpty())) != null) {
            try {
                for (Sequence s : turn.dropped()) {
                    guarded(s, s::finishCancelled);
                }
                for (Sequence s : turn.admitted()) {
                    if (guarded(s, () -> s.start(model))) {
                        running.add(s);
                    }
                }
                List<Sequence> runnable = runnable();
                if (runnable.isEmpty()) {
                    admission.awaitSignalSince(turn.seen());
                } else {
                    step(StepPlanner.plan(runnable, Sequence::generation, maxBatchTokens));
                }
            } catch (Throwable e) {
                // A fault of the engine's own: fail what runs rather than leave it hanging, and go on.
                LOG.log(Level.SEVERE, "engine step failed; failing the running requests", e);
                running.forEach(s -> s.fail(e));
            }
            running.removeIf(Sequence::ended);
        }
    }

    /** Ends the cancelled (freeing their caches) and returns those whose consumer is ready. */
    private List<Sequence> runnable() {
        List<Sequence> runnable = new ArrayList<>(running.size());
        int skipped = 0;
        for (Sequence s : running) {
            if (s.cancelled()) {
                guarded(s, s::finishCancelled);
            } else if (ready(s)) {
                runnable.add(s);
            } else if (!s.ended()) {
                skipped++;
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
    private void step(List<StepPlanner.Entry<Sequence>> entries) {
        float[][] logits;
        try {
            long start = System.nanoTime();
            logits = forwardStep(entries);
            stepObserver.stepped(entries.size(), entries.stream().mapToInt(e -> e.ids().length).sum(),
                    System.nanoTime() - start);
        } catch (Throwable e) {
            // Out of memory included: the sequences of this step fail and free their caches; the others go on.
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
