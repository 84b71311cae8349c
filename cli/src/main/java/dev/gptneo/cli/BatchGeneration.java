package dev.gptneo.cli;

import com.google.gson.JsonObject;
import dev.gptneo.model.engine.CompletionCollector;
import dev.gptneo.model.engine.CompletionCollector.Completion;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.engine.EngineClosedException;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.model.engine.RequestListener;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a checked prompts file through an engine, vLLM's {@code LLM.generate(prompts)} without a
 * server: every line is submitted as soon as there is room, so that the engine batches them, and
 * one JSON line per prompt goes to stdout in input order, each as soon as it and all before it
 * are done. At most {@code window} requests are held at once, submitted and not yet written: with
 * the engine's capacity as the window (running plus queued) its queue never overflows, so a full
 * queue means waiting for the oldest request to finish, never a refusal, and memory stays bounded
 * however long the file. A JVM shutdown (Ctrl-C) stops the engine and waits until the lines
 * already done are written, so that stdout ends with a whole line.
 */
final class BatchGeneration {

    /** The exit status of a run stopped by a signal, as a shell reports one stopped by SIGINT. */
    static final int INTERRUPTED = 130;

    private static final Duration PROGRESS_PERIOD = Duration.ofMillis(500);
    /** How long a shutdown waits for the lines already done to be written. */
    private static final long STOP_WAIT_SECONDS = 10;

    /** A submitted request not yet written. */
    private record Pending(int index, String where, GenerationParams params, CompletableFuture<Completion> result) {
    }

    /** Leaves the run once a shutdown has stopped the engine. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    private final GenerationEngine engine;
    private final int window;
    private final PrintStream out;
    private final PrintWriter err;
    private final boolean showProgress;
    // The run's thread only.
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private int submitted;
    private int written;
    // Updated by the engine's thread, read by the progress line's.
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicLong tokens = new AtomicLong();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean stopping;

    /**
     * @param window requests held at once; at most the engine's capacity, running plus queued
     * @param showProgress whether to draw "N of M done, tokens/s" on stderr (a terminal's)
     */
    BatchGeneration(GenerationEngine engine, int window, PrintStream out, PrintWriter err, boolean showProgress) {
        this.engine = engine;
        this.window = window;
        this.out = out;
        this.err = err;
        this.showProgress = showProgress;
    }

    /**
     * Generates for every line of {@code file}, all of which {@code lines} has accepted before.
     *
     * @param total the file's number of prompts, for the progress line
     * @return 0, or {@link #INTERRUPTED} when a shutdown stopped it
     * @throws IllegalStateException {@code FILE:LINE: ...} when a generation failed
     */
    int run(PromptsFile file, PromptLine lines, int total) throws IOException {
        Thread hook = new Thread(this::stop, "gptneo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            generate(file, lines, total);
            return 0;
        } catch (Stopped e) {
            err.println("interrupted: the first " + written + " of " + total + " results were written");
            err.flush();
            return INTERRUPTED;
        } finally {
            ended.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The shutdown has begun: the hook is the one running.
            }
        }
    }

    private void generate(PromptsFile file, PromptLine lines, int total) throws IOException {
        long start = System.nanoTime();
        ProgressLine progress = showProgress
                ? new ProgressLine(err, true, PROGRESS_PERIOD, () -> progressText(total, start)) : null;
        try {
            file.forEach(line -> submit(line.where(), lines.read(line)));
            while (!pending.isEmpty()) {
                writeOldest();
            }
        } finally {
            if (progress != null) {
                progress.close(); // before any message, which must not land inside the line
            }
        }
    }

    /** Stops the engine at once and waits for the run to write what was done and end. */
    void stop() {
        stopping = true;
        try {
            engine.shutdown(Duration.ZERO);
            ended.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void submit(String where, PromptLine.Request request) {
        while (pending.size() >= window) {
            writeOldest();
        }
        Counted listener = new Counted();
        try {
            engine.submit(request.promptIds(), request.params(), listener);
        } catch (EngineClosedException e) {
            throw new Stopped();
        }
        pending.add(new Pending(submitted++, where, request.params(), listener.collector.result()));
        // Whatever finished meanwhile goes out now, not when the window next fills.
        while (!pending.isEmpty() && pending.peek().result().isDone()) {
            writeOldest();
        }
    }

    /** Waits for the oldest request and writes its line. */
    private void writeOldest() {
        Pending oldest = pending.peek();
        Completion completion;
        try {
            completion = oldest.result().join();
        } catch (CompletionException e) {
            if (stopping) {
                throw new Stopped();
            }
            throw new IllegalStateException(oldest.where() + ": generation failed: " + e.getCause().getMessage(),
                    e.getCause());
        }
        JsonObject line = new JsonObject();
        line.addProperty("index", oldest.index());
        out.println(CompletionJson.GSON.toJson(CompletionJson.addTo(line, completion, oldest.params())));
        if (out.checkError()) {
            throw new IllegalStateException("cannot write to stdout (closed?); " + written + " results were written");
        }
        pending.poll();
        written++;
    }

    private String progressText(int total, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        return String.format(Locale.ROOT, "generate: %d of %d done, %.1f tokens/s", done.get(), total,
                seconds > 0 ? tokens.get() / seconds : 0);
    }

    /** Collects one generation, counting its tokens and its end for the progress line. */
    private final class Counted implements RequestListener {
        final CompletionCollector collector = new CompletionCollector();

        @Override
        public void onToken(GeneratedToken token, String textDelta) {
            tokens.incrementAndGet();
            collector.onToken(token, textDelta);
        }

        @Override
        public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
            done.incrementAndGet();
            collector.onFinish(textDelta, reason, usage);
        }

        @Override
        public void onFailure(Throwable cause) {
            collector.onFailure(cause);
        }
    }
}
