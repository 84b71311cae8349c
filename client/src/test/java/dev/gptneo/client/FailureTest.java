package dev.gptneo.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each way a call can fail reaches the caller as its own exception type; stopped calls free their slot. */
class FailureTest {

    /** One slot and no queue, so that a second generation is refused while a first one runs. */
    private static LoopbackServer server;
    private static GptNeoClient client;

    @BeforeAll
    static void start() throws Exception {
        server = LoopbackServer.serving(1, 0);
        client = GptNeoClient.builder().target(server.target()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    /** As long as the fixture's 128 positions allow, so that it is still running when the test acts. */
    private static GenerationRequest longGeneration() {
        return GenerationRequest.builder().prompt("Hello").ignoreEos().maxNewTokens(120).build();
    }

    @Test
    void invalidRequestCarriesEveryFieldViolation() {
        GenerationRequest bad = GenerationRequest.builder().prompt("Hello").sample().topP(2.0).maxNewTokens(0).build();
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> client.generate(bad).next());
        List<String> fields = e.violations().stream().map(InvalidRequestException.Violation::field).toList();
        assertTrue(fields.containsAll(List.of("sampling.top_p", "stopping.max_new_tokens")), fields::toString);
    }

    @Test
    void closingTheStreamCancelsTheGenerationOnTheServer() throws Exception {
        try (TokenStream tokens = client.generate(longGeneration())) {
            tokens.next();
            assertEquals(1, server.engineStats().active());
        }
        server.awaitActive(0);
        server.awaitMetric("gptneo_generations_total{reason=\"cancelled\"}");
    }

    @Test
    void overloadedServerSuggestsWhenToRetry() throws Exception {
        try (TokenStream running = client.generate(longGeneration())) {
            running.next();
            CompletionException e = assertThrows(CompletionException.class,
                    () -> client.complete(longGeneration()).join());
            OverloadedException overloaded = assertInstanceOf(OverloadedException.class, e.getCause());
            assertTrue(overloaded.retryDelay().orElseThrow().isPositive());
        }
        server.awaitActive(0);
    }

    @Test
    void deadlineEndsTheCallAndTheGeneration() throws Exception {
        // A server of its own: a call whose deadline passes before it arrives may still be admitted
        // for a moment, and must not take a slot another test counts on. Two slots, for two calls.
        try (LoopbackServer own = LoopbackServer.serving(2);
                GptNeoClient hasty = GptNeoClient.builder().target(own.target()).deadline(Duration.ofMillis(20)).build()) {
            // 120 tokens take the scalar backend far longer than 20 ms.
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> hasty.complete(longGeneration()).get(10, TimeUnit.SECONDS));
            assertInstanceOf(DeadlineExceededException.class, e.getCause());
            try (TokenStream tokens = hasty.generate(longGeneration())) {
                assertThrows(DeadlineExceededException.class, () -> tokens.forEachRemaining(m -> { }));
            }
            own.awaitActive(0);
        }
    }

    @Test
    void cancellingTheFutureCancelsTheGeneration() throws Exception {
        var future = client.complete(longGeneration());
        server.awaitActive(1);
        future.cancel(true);
        server.awaitActive(0);
        server.awaitMetric("gptneo_generations_total{reason=\"cancelled\"}");
    }

    @Test
    void serverThatIsStillLoadingIsUnavailable() throws Exception {
        try (LoopbackServer loading = LoopbackServer.starting();
                GptNeoClient impatient = GptNeoClient.builder().target(loading.target()).maxAttempts(1).build()) {
            assertThrows(UnavailableException.class, impatient::modelInfo);
        }
    }
}
