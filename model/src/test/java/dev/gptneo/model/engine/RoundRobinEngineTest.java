package dev.gptneo.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.Backends;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.InvalidRequestException;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RoundRobinEngineTest {

    private static LoadedModel model;

    @BeforeAll
    static void load() throws Exception {
        model = LoadedModel.open(Fixtures.checkpoint("tiny-gpt-neo").toString(),
                Backends.create("scalar", BackendOptions.DEFAULTS), null);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationParams greedy(int tokens) {
        return GenerationParams.builder().maxNewTokens(tokens).build();
    }

    private static CompletionCollector.Completion await(CompletionCollector collector) throws Exception {
        return collector.result().get(30, TimeUnit.SECONDS);
    }

    @Test
    void interleavedRequestsGiveTheFixtureGreedyIds() throws Exception {
        var cases = Fixtures.cases("tiny-gpt-neo");
        try (RoundRobinEngine engine = new RoundRobinEngine(model, cases.size())) {
            var collectors = new CompletionCollector[cases.size()];
            for (int i = 0; i < cases.size(); i++) {
                collectors[i] = new CompletionCollector();
                GenerationParams params = GenerationParams.builder()
                        .maxNewTokens(cases.get(i).greedyNewIds().length).ignoreEos(true).build();
                engine.submit(cases.get(i).inputIds(), params, collectors[i]);
            }
            for (int i = 0; i < cases.size(); i++) {
                int[] ids = await(collectors[i]).tokens().stream().mapToInt(GeneratedToken::id).toArray();
                assertArrayEquals(cases.get(i).greedyNewIds(), ids, cases.get(i).toString());
            }
        }
    }

    @Test
    void refusesBeyondMaxConcurrentAndCancelFreesTheSlot() throws Exception {
        try (RoundRobinEngine engine = new RoundRobinEngine(model, 1)) {
            Gate gate = new Gate();
            GenerationHandle first = engine.submit(new int[] {1, 2}, greedy(50), gate);
            OverloadedException refused = assertThrows(OverloadedException.class,
                    () -> engine.submit(new int[] {1}, greedy(2), new CompletionCollector()));
            assertTrue(refused.retryAfter().toMillis() > 0);
            first.cancel();
            assertEquals(StopReason.CANCELLED, gate.result().get(10, TimeUnit.SECONDS).reason());
            CompletionCollector second = new CompletionCollector();
            engine.submit(new int[] {1}, greedy(2), second);
            assertEquals(StopReason.LENGTH, await(second).reason());
        }
    }

    @Test
    void aRequestWhoseConsumerIsNotReadyPausesUntilResumed() throws Exception {
        try (RoundRobinEngine engine = new RoundRobinEngine(model, 2)) {
            Gate gate = new Gate();
            gate.open.set(false);
            GenerationHandle handle = engine.submit(new int[] {5, 6}, greedy(5), gate);
            Thread.sleep(100);
            assertEquals(0, gate.tokens.get());
            assertEquals(new EngineStats(1, 1, 1), engine.stats());
            gate.open.set(true);
            handle.resume();
            assertEquals(5, gate.result().get(10, TimeUnit.SECONDS).tokens().size());
        }
    }

    @Test
    void shutdownWaitsForRunningRequestsAndRefusesNewOnes() throws Exception {
        RoundRobinEngine engine = new RoundRobinEngine(model, 2);
        CompletionCollector quick = new CompletionCollector();
        engine.submit(new int[] {1}, greedy(2), quick);
        Gate slow = new Gate();
        slow.open.set(false);
        GenerationHandle slowHandle = engine.submit(new int[] {1}, greedy(2), slow);
        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> {
            try {
                engine.shutdown(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(StopReason.LENGTH, await(quick).reason());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (engine.accepting() && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the shutdown runs on another thread
        }
        assertThrows(EngineClosedException.class, () -> engine.submit(new int[] {1}, greedy(1), new CompletionCollector()));
        slow.open.set(true);
        slowHandle.resume();
        assertEquals(StopReason.LENGTH, slow.result().get(10, TimeUnit.SECONDS).reason());
        shutdown.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shutdownFailsWhatIsStillRunningAfterTheGracePeriod() throws Exception {
        RoundRobinEngine engine = new RoundRobinEngine(model, 1);
        Gate stuck = new Gate();
        stuck.open.set(false);
        engine.submit(new int[] {1}, greedy(2), stuck);
        engine.shutdown(Duration.ZERO);
        ExecutionException failed = assertThrows(ExecutionException.class, () -> stuck.result().get(1, TimeUnit.SECONDS));
        assertInstanceOf(EngineClosedException.class, failed.getCause());
    }

    @Test
    void invalidRequestsAreRefusedBeforeAdmission() throws Exception {
        try (RoundRobinEngine engine = new RoundRobinEngine(model, 1)) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> engine.submit(new int[] {-1}, greedy(1), new CompletionCollector()));
            assertEquals("prompt_ids[0]", e.violations().getFirst().field());
            assertEquals(0, engine.stats().active());
        }
    }

    /** A consumer whose readiness the test controls. */
    private static final class Gate implements RequestListener {
        final AtomicBoolean open = new AtomicBoolean(true);
        final AtomicInteger tokens = new AtomicInteger();
        private final CompletionCollector collector = new CompletionCollector();

        CompletableFuture<CompletionCollector.Completion> result() {
            return collector.result();
        }

        @Override
        public boolean ready() {
            return open.get();
        }

        @Override
        public void onToken(GeneratedToken token, String textDelta) {
            tokens.incrementAndGet();
            collector.onToken(token, textDelta);
        }

        @Override
        public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
            collector.onFinish(textDelta, reason, usage);
        }

        @Override
        public void onFailure(Throwable cause) {
            collector.onFailure(cause);
        }
    }
}
