package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.Backends;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.engine.EngineClosedException;
import dev.gptneo.model.engine.EngineStats;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.model.engine.GenerationHandle;
import dev.gptneo.model.engine.RequestListener;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BatchGeneration} against an engine the test drives by hand: which requests are
 * submitted when, in which order they finish, and what stdout holds in between.
 */
@Timeout(60)
class BatchGenerationTest {

    /** Long enough for a wrong submission or line to show up, were there one. */
    private static final long QUIET_MS = 200;

    private static LoadedModel model;

    private final ManualEngine engine = new ManualEngine();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final StringWriter err = new StringWriter();
    private final ExecutorService runner = Executors.newSingleThreadExecutor();

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        model = LoadedModel.open(Fixtures.checkpoint("tiny-gpt-neo").toString(),
                Backends.create("scalar", BackendOptions.DEFAULTS), null);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @AfterEach
    void stopRunner() {
        runner.shutdownNow();
    }

    /** A request as the engine got it; the test finishes or fails it. */
    private record Submitted(int[] promptIds, GenerationParams params, RequestListener listener) {
        void finish(int id) {
            listener.onToken(new GeneratedToken(id, "t" + id, -1f, List.of(), false), "t" + id);
            listener.onFinish("", StopReason.LENGTH, new TokenUsage(promptIds.length, 1, 0, 0));
        }
    }

    /** Takes submissions and never runs them: the test does, through {@link Submitted}. */
    private static final class ManualEngine implements GenerationEngine {
        final BlockingQueue<Submitted> submitted = new LinkedBlockingQueue<>();
        private final List<Submitted> all = new ArrayList<>();
        private boolean closed;

        @Override
        public synchronized GenerationHandle submit(int[] promptIds, GenerationParams params, RequestListener listener) {
            if (closed) {
                throw new EngineClosedException();
            }
            Submitted s = new Submitted(promptIds, params, listener);
            all.add(s);
            submitted.add(s);
            return null;
        }

        @Override
        public EngineStats stats() {
            throw new UnsupportedOperationException();
        }

        /** As BatchingEngine with no grace: whatever has not finished fails with EngineClosedException. */
        @Override
        public synchronized void shutdown(Duration grace) {
            closed = true;
            all.forEach(s -> s.listener().onFailure(new EngineClosedException()));
        }

        Submitted next() throws InterruptedException {
            Submitted s = submitted.poll(10, TimeUnit.SECONDS);
            assertNotNull(s, "no request was submitted");
            return s;
        }

        void assertNoMoreSubmitted() throws InterruptedException {
            assertNull(submitted.poll(QUIET_MS, TimeUnit.MILLISECONDS), "a request beyond the window was submitted");
        }
    }

    /** A file of {@code n} prompts, line i being prompt id i + 1. */
    private PromptsFile prompts(int n) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < n; i++) {
            lines.append("{\"prompt_ids\": [").append(i + 1).append("], \"max_new_tokens\": 1}\n");
        }
        Path file = tmp.resolve("prompts.jsonl");
        Files.writeString(file, lines);
        return PromptsFile.open(file.toString(), null);
    }

    private Future<Integer> start(BatchGeneration batch, int n) throws Exception {
        PromptsFile file = prompts(n);
        PromptLine lines = new PromptLine(model, new GenerationFlags());
        return runner.submit(() -> batch.run(file, lines, n));
    }

    private BatchGeneration batch(int window) {
        return new BatchGeneration(engine, window, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintWriter(err, true), false);
    }

    private List<JsonObject> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    private void awaitLines(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lines().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(n, lines().size(), out.toString());
    }

    private void assertLine(JsonObject line, int index, int id) {
        assertEquals(index, line.get("index").getAsInt(), line.toString());
        assertEquals("[" + id + "]", line.get("ids").toString(), line.toString());
    }

    @Test
    void holdsAtMostTheWindowAndWritesEachLineOnceItAndAllBeforeItAreDone() throws Exception {
        Future<Integer> run = start(batch(2), 5);
        Submitted first = engine.next();
        Submitted second = engine.next();
        assertArrayEquals(new int[] {1}, first.promptIds());
        assertArrayEquals(new int[] {2}, second.promptIds());
        engine.assertNoMoreSubmitted();

        // The second finishing first is held back, and still counts against the window.
        second.finish(20);
        engine.assertNoMoreSubmitted();
        assertEquals("", out.toString());

        first.finish(10);
        awaitLines(2);
        Submitted third = engine.next();
        Submitted fourth = engine.next();
        engine.assertNoMoreSubmitted();
        fourth.finish(40);
        third.finish(30);
        Submitted fifth = engine.next();
        assertArrayEquals(new int[] {5}, fifth.promptIds());
        fifth.finish(50);

        assertEquals(0, run.get());
        List<JsonObject> lines = lines();
        assertEquals(5, lines.size(), out.toString());
        for (int i = 0; i < 5; i++) {
            assertLine(lines.get(i), i, 10 * (i + 1));
        }
    }

    @Test
    void stoppingWritesWhatIsDoneAndEndsTheRun() throws Exception {
        BatchGeneration batch = batch(3);
        Future<Integer> run = start(batch, 3);
        engine.next().finish(10);
        engine.next();
        engine.next().finish(30);
        awaitLines(1);

        batch.stop();
        // When stop() returns (and a shutdown hook with it, letting the JVM halt) all is written.
        assertEquals(1, lines().size(), out.toString());
        assertLine(lines().getFirst(), 0, 10);
        assertEquals("interrupted: the first 1 of 3 results were written" + System.lineSeparator(), err.toString());
        assertEquals(BatchGeneration.INTERRUPTED, run.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aFailedGenerationNamesItsLine() throws Exception {
        Future<Integer> run = start(batch(2), 2);
        engine.next().finish(10);
        engine.next().listener().onFailure(new OutOfMemoryError("Java heap space"));
        ExecutionException e = assertThrows(ExecutionException.class, run::get);
        assertEquals(tmp.resolve("prompts.jsonl") + ":2: generation failed: Java heap space", e.getCause().getMessage());
        assertEquals(1, lines().size(), out.toString());
    }
}
