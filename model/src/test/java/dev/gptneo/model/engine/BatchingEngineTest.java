package dev.gptneo.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.model.Fixtures;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.InvalidRequestException;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batching engine on the tiny fixture: reference ids under batching and chunking, the queue, flow control, faults. */
class BatchingEngineTest {

    private static final List<Fixtures.Case> CASES = Fixtures.cases("tiny-gpt-neo");
    private static FaultyBackend backend;
    private static LoadedModel model;

    @BeforeAll
    static void load() throws Exception {
        backend = new FaultyBackend();
        model = LoadedModel.open(Fixtures.checkpoint("tiny-gpt-neo").toString(), backend.backend, null);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /**
     * Blocks one sequence of the fixture's full context holds: 128 positions are 8 blocks of 16
     * for the global layers, and the local layers' window of 8 fits a ring of one.
     */
    private static final int FULL_CONTEXT_BLOCKS = 9;

    /** An engine whose KV pool has room for every slot at a full context, so that it never preempts. */
    private static BatchingEngine engine(int maxConcurrent, int maxQueued, int maxBatchTokens) {
        return new BatchingEngine(model, maxConcurrent, maxQueued, maxBatchTokens,
                maxConcurrent * KvBudget.fullContextBytes(model.model().config()));
    }

    /** What an engine of {@code slots} slots reports once every request has ended: every block back in the pool. */
    private static void assertIdle(BatchingEngine engine, int slots) {
        assertEquals(new EngineStats(0, 0, 0, 0, slots * FULL_CONTEXT_BLOCKS, 0), engine.stats());
    }

    private static GenerationParams greedy(int tokens) {
        return GenerationParams.builder().maxNewTokens(tokens).build();
    }

    private static GenerationParams fixtureParams(Fixtures.Case c) {
        return GenerationParams.builder().maxNewTokens(c.greedyNewIds().length).ignoreEos(true).build();
    }

    private static GenerationParams sampled(long seed) {
        return GenerationParams.builder().maxNewTokens(20).ignoreEos(true).sample(true).topK(20).temperature(1.5)
                .seed(seed).build();
    }

    private static CompletionCollector.Completion await(CompletionCollector collector) throws Exception {
        return collector.result().get(30, TimeUnit.SECONDS);
    }

    /** Waits until the engine's thread has admitted {@code running} sequences (submit only queues). */
    private static void awaitRunning(BatchingEngine engine, int running) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (engine.stats().running() != running) {
            assertTrue(System.nanoTime() < deadline, () -> "engine holds " + engine.stats());
            Thread.sleep(5);
        }
    }

    private static int[] ids(CompletionCollector.Completion completion) {
        return completion.tokens().stream().mapToInt(GeneratedToken::id).toArray();
    }

    /** Submits every fixture prompt at once and checks each gets its reference greedy continuation. */
    private static void allFixturePromptsGiveTheirReferenceIds(BatchingEngine engine) throws Exception {
        var collectors = new CompletionCollector[CASES.size()];
        for (int i = 0; i < CASES.size(); i++) {
            collectors[i] = new CompletionCollector();
            engine.submit(CASES.get(i).inputIds(), fixtureParams(CASES.get(i)), collectors[i]);
        }
        for (int i = 0; i < CASES.size(); i++) {
            assertArrayEquals(CASES.get(i).greedyNewIds(), ids(await(collectors[i])), CASES.get(i).toString());
        }
    }

    @Test
    void sixPromptsOnTwoSlotsQueueAndAllGiveTheFixtureGreedyIds() throws Exception {
        try (BatchingEngine engine = engine(2, 8, 256)) {
            allFixturePromptsGiveTheirReferenceIds(engine);
            assertIdle(engine, 2);
        }
    }

    @Test
    void aSmallTokenBudgetChunksThePromptsAndStillGivesTheFixtureIds() throws Exception {
        backend.maxRows.set(0);
        try (BatchingEngine engine = engine(2, 8, 4)) {
            allFixturePromptsGiveTheirReferenceIds(engine);
        }
        assertTrue(CASES.stream().anyMatch(c -> c.inputIds().length > 40), "the fixture has long prompts");
        assertEquals(4, backend.maxRows.get(), "no model call ran more rows than the budget");
    }

    @Test
    void theSameSeedSamplesTheSameTokensAloneOrTogetherWithOthers() throws Exception {
        GenerationParams sampled = sampled(7);
        int[] prompt = CASES.get(2).inputIds();
        CompletionCollector alone = new CompletionCollector();
        new Generation(model, prompt, sampled, alone).run();
        try (BatchingEngine engine = engine(3, 4, 4)) {
            CompletionCollector other = new CompletionCollector();
            engine.submit(CASES.get(4).inputIds(), sampled(8), other);
            CompletionCollector together = new CompletionCollector();
            engine.submit(prompt, sampled, together);
            CompletionCollector greedy = new CompletionCollector();
            engine.submit(CASES.get(3).inputIds(), fixtureParams(CASES.get(3)), greedy);
            assertArrayEquals(ids(await(alone)), ids(await(together)));
            assertArrayEquals(CASES.get(3).greedyNewIds(), ids(await(greedy)));
            assertEquals(20, await(other).tokens().size());
        }
    }

    @Test
    void beyondTheSlotsAndTheQueueARequestIsRefusedWithARetryHint() throws Exception {
        try (BatchingEngine engine = engine(1, 1, 8)) {
            Gate running = Gate.closed();
            GenerationHandle first = engine.submit(new int[] {1, 2}, greedy(5), running);
            awaitRunning(engine, 1);
            CompletionCollector queued = new CompletionCollector();
            engine.submit(new int[] {1}, greedy(2), queued);
            OverloadedException refused = assertThrows(OverloadedException.class,
                    () -> engine.submit(new int[] {1}, greedy(2), new CompletionCollector()));
            assertTrue(refused.retryAfter().toMillis() >= 10, refused::getMessage);
            assertEquals(1, engine.stats().running());
            assertEquals(1, engine.stats().queued());
            first.cancel();
            assertEquals(StopReason.CANCELLED, running.result().get(10, TimeUnit.SECONDS).reason());
            assertEquals(StopReason.LENGTH, await(queued).reason());
        }
    }

    @Test
    void aCancelledQueuedRequestLeavesTheQueueAtOnce() throws Exception {
        try (BatchingEngine engine = engine(1, 2, 8)) {
            Gate running = Gate.closed();
            GenerationHandle first = engine.submit(CASES.get(0).inputIds(), fixtureParams(CASES.get(0)), running);
            awaitRunning(engine, 1);
            CompletionCollector queued = new CompletionCollector();
            GenerationHandle second = engine.submit(new int[] {1, 2, 3}, greedy(2), queued);
            assertEquals(1, engine.stats().queued());
            second.cancel();
            assertEquals(0, engine.stats().queued());
            CompletionCollector.Completion cancelled = await(queued);
            assertEquals(StopReason.CANCELLED, cancelled.reason());
            assertEquals(new TokenUsage(3, 0, 0, 0), cancelled.usage());
            running.open(first);
            assertArrayEquals(CASES.get(0).greedyNewIds(), ids(running.result().get(30, TimeUnit.SECONDS)));
        }
    }

    @Test
    void aCancelFreesTheSlotAtOnceSoTheNextRequestIsAdmitted() throws Exception {
        try (BatchingEngine engine = engine(1, 0, 8)) {
            for (int i = 0; i < 3; i++) {
                Gate running = Gate.closed();
                GenerationHandle handle = engine.submit(new int[] {1, 2}, greedy(50), running);
                handle.cancel();
                CompletionCollector next = new CompletionCollector();
                engine.submit(CASES.get(1).inputIds(), fixtureParams(CASES.get(1)), next);
                assertEquals(StopReason.CANCELLED, running.result().get(10, TimeUnit.SECONDS).reason());
                assertArrayEquals(CASES.get(1).greedyNewIds(), ids(await(next)));
            }
        }
    }

    @Test
    void cancellingWhileRunningStopsTheGeneration() throws Exception {
        try (BatchingEngine engine = engine(2, 0, 8)) {
            Gate gate = Gate.closed();
            gate.cancelAfter = 3;
            gate.handle = engine.submit(new int[] {1, 2}, greedy(50), gate);
            gate.open(gate.handle);
            CompletionCollector.Completion cancelled = gate.result().get(10, TimeUnit.SECONDS);
            assertEquals(StopReason.CANCELLED, cancelled.reason());
            assertEquals(3, cancelled.tokens().size(), "the token after the cancel is not generated");
            assertEquals(3, cancelled.usage().generatedTokens());
        }
    }

    @Test
    void aRequestWhoseConsumerIsNotReadyPausesUntilResumed() throws Exception {
        try (BatchingEngine engine = engine(2, 0, 8)) {
            Gate gate = Gate.closed();
            GenerationHandle handle = engine.submit(CASES.get(5).inputIds(), fixtureParams(CASES.get(5)), gate);
            Thread.sleep(100);
            assertEquals(0, gate.tokens.get());
            // Admitted with the blocks of its 5 prompt tokens and its first new one: one of each table.
            assertEquals(new EngineStats(1, 0, 1, 2, 2 * FULL_CONTEXT_BLOCKS - 2, 0), engine.stats());
            gate.open(handle);
            assertArrayEquals(CASES.get(5).greedyNewIds(), ids(gate.result().get(10, TimeUnit.SECONDS)));
        }
    }

    @Test
    void shutdownDrainsTheQueueAndTheRunningAndRefusesNewRequests() throws Exception {
        BatchingEngine engine = engine(1, 2, 8);
        Gate slow = Gate.closed();
        GenerationHandle slowHandle = engine.submit(CASES.get(0).inputIds(), fixtureParams(CASES.get(0)), slow);
        CompletionCollector queued = new CompletionCollector();
        engine.submit(CASES.get(1).inputIds(), fixtureParams(CASES.get(1)), queued);
        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> {
            try {
                engine.shutdown(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (engine.accepting() && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the shutdown runs on another thread
        }
        assertThrows(EngineClosedException.class, () -> engine.submit(new int[] {1}, greedy(1), new CompletionCollector()));
        slow.open(slowHandle);
        assertArrayEquals(CASES.get(0).greedyNewIds(), ids(slow.result().get(10, TimeUnit.SECONDS)));
        assertArrayEquals(CASES.get(1).greedyNewIds(), ids(await(queued)));
        shutdown.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shutdownFailsWhatIsStillRunningOrQueuedAfterTheGracePeriod() throws Exception {
        BatchingEngine engine = engine(1, 1, 8);
        Gate stuck = Gate.closed();
        engine.submit(new int[] {1}, greedy(2), stuck);
        CompletionCollector queued = new CompletionCollector();
        engine.submit(new int[] {1}, greedy(2), queued);
        engine.shutdown(Duration.ZERO);
        for (CompletableFuture<?> result : List.of(stuck.result(), queued.result())) {
            ExecutionException failed = assertThrows(ExecutionException.class, () -> result.get(1, TimeUnit.SECONDS));
            assertInstanceOf(EngineClosedException.class, failed.getCause());
        }
    }

    @Test
    void aListenerThatThrowsFailsOnlyItsOwnRequest() throws Exception {
        try (BatchingEngine engine = engine(3, 4, 16)) {
            IllegalStateException boom = new IllegalStateException("test: the consumer broke");
            Gate throwing = new Gate();
            throwing.throwAt = 2;
            throwing.failure = boom;
            engine.submit(CASES.get(2).inputIds(), fixtureParams(CASES.get(2)), throwing);
            CompletionCollector[] others = new CompletionCollector[2];
            for (int i = 0; i < others.length; i++) {
                others[i] = new CompletionCollector();
                engine.submit(CASES.get(3 + i).inputIds(), fixtureParams(CASES.get(3 + i)), others[i]);
            }
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> throwing.result().get(10, TimeUnit.SECONDS));
            assertSame(boom, failed.getCause());
            for (int i = 0; i < others.length; i++) {
                assertArrayEquals(CASES.get(3 + i).greedyNewIds(), ids(await(others[i])));
            }
            assertIdle(engine, 3);
        }
    }

    @Test
    void aStepWhoseModelWorkThrowsFailsItsSequencesAndTheEngineGoesOn() throws Exception {
        try (BatchingEngine engine = engine(2, 2, 16)) {
            Gate paused = Gate.closed();
            GenerationHandle pausedHandle = engine.submit(CASES.get(0).inputIds(), fixtureParams(CASES.get(0)), paused);
            awaitRunning(engine, 1); // the paused one is admitted and skipped, so it is in no step
            backend.failNextMatmul.set(true);
            CompletionCollector hit = new CompletionCollector();
            engine.submit(CASES.get(1).inputIds(), fixtureParams(CASES.get(1)), hit);
            ExecutionException failed = assertThrows(ExecutionException.class, () -> hit.result().get(10, TimeUnit.SECONDS));
            assertInstanceOf(OutOfMemoryError.class, failed.getCause());
            assertEquals(1, engine.stats().running(), "the failed sequence's slot is free");
            paused.open(pausedHandle);
            assertArrayEquals(CASES.get(0).greedyNewIds(), ids(paused.result().get(10, TimeUnit.SECONDS)));
            CompletionCollector after = new CompletionCollector();
            engine.submit(CASES.get(1).inputIds(), fixtureParams(CASES.get(1)), after);
            assertArrayEquals(CASES.get(1).greedyNewIds(), ids(await(after)));
            assertIdle(engine, 2);
        } finally {
            backend.failNextMatmul.set(false);
        }
    }

    @Test
    void stepsThatFailOverAndOverStopTheEngineForGoodAndSaySo() throws Exception {
        try (BatchingEngine engine = engine(2, 8, 16)) {
            CompletableFuture<Throwable> fatal = new CompletableFuture<>();
            engine.onFatalError(fatal::complete);
            backend.failEveryMatmul.set(true);
            // Two slots and a 16-row budget: the six requests take three steps or more, each failing.
            var collectors = new CompletionCollector[6];
            for (int i = 0; i < collectors.length; i++) {
                collectors[i] = new CompletionCollector();
                engine.submit(CASES.get(i).inputIds(), fixtureParams(CASES.get(i)), collectors[i]);
            }
            Throwable cause = fatal.get(10, TimeUnit.SECONDS);
            assertTrue(cause.getMessage().contains(BatchingEngine.MAX_FAILED_STEPS_IN_A_ROW + " engine steps in a row"),
                    cause::getMessage);
            // Those of the failed steps fail with the step's error, those still queued with the engine's.
            int inFailedSteps = 0;
            for (CompletionCollector c : collectors) {
                ExecutionException failed = assertThrows(ExecutionException.class, () -> c.result().get(10, TimeUnit.SECONDS));
                if (failed.getCause() instanceof OutOfMemoryError) {
                    inFailedSteps++;
                } else {
                    assertSame(cause, failed.getCause());
                }
            }
            assertTrue(inFailedSteps >= BatchingEngine.MAX_FAILED_STEPS_IN_A_ROW, "requests failed in steps: " + inFailedSteps);
            EngineClosedException refused = assertThrows(EngineClosedException.class,
                    () -> engine.submit(new int[] {1}, greedy(1), new CompletionCollector()));
            assertTrue(refused.getMessage().startsWith("the generation engine stopped after an error"), refused::getMessage);
            assertEquals(0, engine.stats().active());
        } finally {
            backend.failEveryMatmul.set(false);
        }
    }

    @Test
    void aThrowableThatEscapesTheLoopStopsTheEngineInsteadOfKillingItsThreadSilently() throws Exception {
        try (BatchingEngine engine = engine(2, 8, 16)) {
            CompletableFuture<Throwable> fatal = new CompletableFuture<>();
            engine.onFatalError(fatal::complete);
            // Its readiness check throws, and so does the failure it is then told of: both are errors,
            // which the engine's per-request guards do not catch, so the second leaves the loop.
            AssertionError broken = new AssertionError("test: the consumer is broken");
            engine.submit(new int[] {1, 2}, greedy(5), new RequestListener() {
                @Override
                public boolean ready() {
                    throw broken;
                }

                @Override
                public void onToken(GeneratedToken token, String textDelta) {
                }

                @Override
                public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
                }

                @Override
                public void onFailure(Throwable cause) {
                    throw broken;
                }
            });
            assertSame(broken, fatal.get(10, TimeUnit.SECONDS));
            assertThrows(EngineClosedException.class, () -> engine.submit(new int[] {1}, greedy(1), new CompletionCollector()));
        }
    }

    @Test
    void aConsumerThatTakesNothingForTheStallLimitIsEndedAndItsSlotAndBlocksFreed() throws Exception {
        try (BatchingEngine engine = engine(1, 0, 8)) {
            engine.stopStalledAfter(Duration.ofMillis(300));
            Gate stalled = Gate.closed();
            engine.submit(CASES.get(5).inputIds(), fixtureParams(CASES.get(5)), stalled);
            ExecutionException ended = assertThrows(ExecutionException.class,
                    () -> stalled.result().get(10, TimeUnit.SECONDS));
            ConsumerStalledException cause = assertInstanceOf(ConsumerStalledException.class, ended.getCause());
            assertEquals(Duration.ofMillis(300), cause.limit());
            assertIdle(engine, 1);
            CompletionCollector next = new CompletionCollector();
            engine.submit(CASES.get(1).inputIds(), fixtureParams(CASES.get(1)), next);
            assertArrayEquals(CASES.get(1).greedyNewIds(), ids(await(next)));
        }
    }

    @Test
    void aConsumerThatTakesATokenNowAndThenIsNotStalled() throws Exception {
        try (BatchingEngine engine = engine(1, 0, 8)) {
            engine.stopStalledAfter(Duration.ofMillis(400));
            Gate slow = Gate.closed();
            slow.perOpening = 1;
            GenerationHandle handle = engine.submit(CASES.get(1).inputIds(), fixtureParams(CASES.get(1)), slow);
            // One token every 200 ms: in all much longer than the limit, but never paused that long.
            while (!slow.result().isDone()) {
                Thread.sleep(200);
                slow.open(handle);
            }
            assertArrayEquals(CASES.get(1).greedyNewIds(), ids(slow.result().get()));
        }
    }

    @Test
    void aRefusedCallerIsToldToRetryWhenTheStalledReaderHoldingTheSlotWillHaveBeenEnded() throws Exception {
        try (BatchingEngine engine = engine(1, 0, 8)) {
            engine.stopStalledAfter(Duration.ofSeconds(20));
            engine.submit(new int[] {1, 2}, greedy(50), Gate.closed());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (engine.stats().paused() != 1) {
                assertTrue(System.nanoTime() < deadline, () -> "engine holds " + engine.stats());
                Thread.sleep(5);
            }
            OverloadedException refused = assertThrows(OverloadedException.class,
                    () -> engine.submit(new int[] {1}, greedy(2), new CompletionCollector()));
            long hint = refused.retryAfter().toSeconds();
            assertTrue(hint >= 15 && hint <= 20, refused::getMessage);
        }
    }

    @Test
    void invalidRequestsAreRefusedBeforeAdmission() throws Exception {
        try (BatchingEngine engine = engine(1, 1, 8)) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> engine.submit(new int[] {-1}, greedy(1), new CompletionCollector()));
            assertEquals("prompt_ids[0]", e.violations().getFirst().field());
            assertEquals(0, engine.stats().active());
        }
    }

    @Test
    void aBudgetSmallerThanTheSlotsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine(8, 0, 4));
        assertTrue(e.getMessage().contains("max batch tokens (4)"), e::getMessage);
    }
}
