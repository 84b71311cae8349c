package dev.gptneo.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests that break a rule many times over, or echo megabytes, through the real server on
 * Netty: the SDK still gets an InvalidRequestException (not the INTERNAL "http2 exception" that
 * trailers over grpc-java's 8 KiB limit give), listing the first violations and counting the rest.
 */
class HostileRequestTest {

    /** 1.3 million ids just outside GPT-2's vocabulary: 3 bytes each, 3.9 MB on the wire. */
    private static final int MANY = 1_300_000;
    private static final int OUTSIDE = 60_000;
    private static final int REPORTED = 20;

    private static LoopbackServer server;
    private static GptNeoClient client;

    @BeforeAll
    static void start() throws Exception {
        server = LoopbackServer.serving(1);
        client = GptNeoClient.builder().target(server.target()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    @Test
    void millionsOfBadPromptIdsAreRefusedForTheirCount() {
        InvalidRequestException e = refusedGeneration(GenerationRequest.builder().promptIds(ids(MANY)).build());
        assertEquals(List.of("prompt_ids"), fields(e));
    }

    @Test
    void aContextFullOfBadIdsListsTheFirstTwentyAndCountsTheRest() {
        // The tiny fixture's context: 128 positions, so 127 ids and 1 new token.
        InvalidRequestException e = refusedGeneration(GenerationRequest.builder().promptIds(ids(127)).maxNewTokens(1)
                .build());
        assertEquals(REPORTED, e.violations().size());
        assertEquals("prompt_ids.ids[0]", e.violations().getFirst().field());
        assertTrue(e.getMessage().endsWith("; and 107 more"), e.getMessage());
    }

    @Test
    void millionsOfBadDetokenizeIdsListTheFirstTwenty() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> client.detokenize(ids(MANY)));
        assertEquals(REPORTED, e.violations().size());
        assertTrue(e.getMessage().endsWith("; and " + (MANY - REPORTED) + " more"), e.getMessage());
    }

    @Test
    void aMegabyteStopStringIsRefusedWithoutBeingEchoed() {
        InvalidRequestException e = refusedGeneration(GenerationRequest.builder().prompt("Hello")
                .stop("s".repeat(1 << 20)).build());
        assertEquals(List.of("stopping.stop[0]"), fields(e));
    }

    @Test
    void aPromptTooLongForTheContextIsRefusedByItsSize() {
        InvalidRequestException e = refusedGeneration(GenerationRequest.builder().prompt("x ".repeat(MANY)).build());
        assertEquals(List.of("prompt_text"), fields(e));
    }

    @Test
    void aTextTooLongForTheContextIsNotTokenized() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> client.tokenize("🙂".repeat(MANY / 2)));
        assertEquals(List.of("text"), fields(e));
    }

    /** Refused the same by both calls: the stream before its first message, the future with its cause. */
    private static InvalidRequestException refusedGeneration(GenerationRequest request) {
        assertThrows(InvalidRequestException.class, () -> client.generate(request).next());
        CompletionException e = assertThrows(CompletionException.class, () -> client.complete(request).join());
        return assertInstanceOf(InvalidRequestException.class, e.getCause());
    }

    private static int[] ids(int count) {
        int[] ids = new int[count];
        Arrays.fill(ids, OUTSIDE);
        return ids;
    }

    private static List<String> fields(InvalidRequestException e) {
        return e.violations().stream().map(InvalidRequestException.Violation::field).toList();
    }
}
