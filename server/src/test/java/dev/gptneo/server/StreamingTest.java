package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.RetryInfo;
import dev.gptneo.proto.v1.FinishReason;
import dev.gptneo.proto.v1.GenerateResponse;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import dev.gptneo.proto.v1.GenerateRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Flow control, cancellation, deadlines and overload, on a server with one generation slot and no queue. */
class StreamingTest {

    /** Long enough that an unpaused generation would finish well within the waits below. */
    private static final int LONG = 100;

    private static TestServer test;

    @BeforeAll
    static void start() throws Exception {
        test = TestServer.serving(TestServer.configBuilder(1, Duration.ofSeconds(1)).maxQueued(0).build());
    }

    @AfterAll
    static void stop() throws Exception {
        test.close();
    }

    private final List<ManualReader> readers = new ArrayList<>();

    /** Ends the test's calls whatever happened, so that one failure does not hold the slot for the next test. */
    @AfterEach
    void freeTheSlot() throws Exception {
        readers.forEach(reader -> reader.call.cancel("test over", null));
        test.awaitActive(0);
    }

    private ManualReader read(GenerateRequest request, CallOptions options) {
        ManualReader reader = new ManualReader(test.channel, options, request);
        readers.add(reader);
        return reader;
    }

    @Test
    void aSlowReaderPausesItsGenerationInsteadOfBeingBufferedFor() throws Exception {
        long before = generatedTokens();
        ManualReader reader = read(Requests.greedy(LONG, 1, 2, 3), CallOptions.DEFAULT);
        reader.next();
        Thread.sleep(300);
        assertEquals(1, test.engineStats().paused(), "generation should wait for the reader");
        // Besides the message read, the transport may hold one and the call's queue 4: no more are made.
        long generated = generatedTokens() - before;
        assertTrue(generated <= 1 + 1 + 4 + 1, "tokens generated while paused: " + generated);
        GenerateResponse last;
        int tokens = 1;
        do {
            last = reader.next();
            tokens += last.getTokensCount();
        } while (last.getFinishReason() == FinishReason.FINISH_REASON_UNSPECIFIED);
        assertEquals(LONG, tokens);
        assertEquals(Status.Code.OK, reader.awaitStatus().getCode());
    }

    @Test
    void cancellingMidStreamStopsTheGenerationAndFreesTheSlot() throws Exception {
        ManualReader reader = read(Requests.greedy(LONG, 1, 2, 3), CallOptions.DEFAULT);
        reader.next();
        reader.next();
        reader.call.cancel("client gave up", null);
        test.awaitActive(0);
        assertEquals(Status.Code.CANCELLED, reader.awaitStatus().getCode());
        assertEquals(3, test.stub().complete(Requests.greedy(3, 1)).getUsage().getGeneratedTokens());
    }

    @Test
    void anExpiredDeadlineStopsTheGenerationAndFreesTheSlot() throws Exception {
        ManualReader reader = read(Requests.greedy(LONG, 1, 2, 3),
                CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.SECONDS));
        reader.call.request(1); // and no more: the generation pauses until the deadline passes
        assertEquals(Status.Code.DEADLINE_EXCEEDED, reader.awaitStatus().getCode());
        test.awaitActive(0);
    }

    @Test
    void oneRequestTooManyIsRefusedAtOnceWithARetryHint() throws Exception {
        ManualReader holder = read(Requests.greedy(LONG, 1, 2, 3), CallOptions.DEFAULT);
        holder.next();
        long start = System.nanoTime();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> test.stub().complete(Requests.greedy(2, 1)));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "refusal must not wait for a slot");
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
        RetryInfo retry = StatusProto.fromThrowable(refused).getDetails(0).unpack(RetryInfo.class);
        assertTrue(retry.getRetryDelay().getNanos() > 0 || retry.getRetryDelay().getSeconds() > 0);
    }

    @Test
    void aStreamEndsWithFinishReasonUsageAndTimings() {
        Iterator<GenerateResponse> stream = test.stub().generate(Requests.greedy(5, 1, 2));
        GenerateResponse last = null;
        int tokens = 0;
        while (stream.hasNext()) {
            last = stream.next();
            tokens += last.getTokensCount();
        }
        assertEquals(5, tokens);
        assertEquals(FinishReason.LENGTH, last.getFinishReason());
        assertEquals(2, last.getUsage().getPromptTokens());
        assertEquals(5, last.getUsage().getGeneratedTokens());
        assertTrue(last.getTimings().getTotalMs() >= last.getTimings().getTimeToFirstTokenMs());
        assertTrue(last.getTimings().getTokensPerSecond() > 0);
    }

    @Test
    void everyEngineStepIsCountedWithItsSequencesAndRows() {
        double steps = metric("gptneo_batch_size_count");
        double rows = metric("gptneo_batch_tokens_sum");
        double timed = metric("gptneo_step_duration_seconds_count");
        test.stub().complete(Requests.greedy(5, 1, 2));
        // A step for the 2-token prompt (its logits give the first token), then one row per further token.
        assertTrue(metric("gptneo_batch_size_count") - steps >= 5, "steps counted");
        assertTrue(metric("gptneo_batch_tokens_sum") - rows >= 2 + 4, "rows counted");
        assertEquals(metric("gptneo_batch_size_count") - steps, metric("gptneo_step_duration_seconds_count") - timed);
    }

    private static long generatedTokens() {
        return (long) metric("gptneo_generated_tokens_total");
    }

    /** The sum of a metric's samples named exactly {@code name} (any labels). */
    private static double metric(String name) {
        return test.metrics().sum(name);
    }
}
