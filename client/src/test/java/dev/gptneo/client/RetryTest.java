package dev.gptneo.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptneo.proto.v1.FinishReason;
import dev.gptneo.proto.v1.GenerateResponse;
import io.grpc.ManagedChannelBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** UNAVAILABLE is retried while nothing has streamed yet, and never after. */
class RetryTest {

    private static final GenerationRequest SHORT = GenerationRequest.builder().prompt("Hello").maxNewTokens(3).ignoreEos().build();

    @Test
    void retriesUnavailableUntilTheServerAnswers() throws Exception {
        CallRecorder failTwice = CallRecorder.failingFirst(2);
        try (LoopbackServer server = LoopbackServer.serving(1, failTwice);
                GptNeoClient client = GptNeoClient.builder().target(server.target()).build();
                TokenStream tokens = client.generate(SHORT)) {
            List<GenerateResponse> messages = tokens.stream().toList();
            assertEquals(FinishReason.LENGTH, messages.getLast().getFinishReason());
            assertEquals(3, failTwice.calls());
        }
    }

    @Test
    void givesUpAfterMaxAttempts() throws Exception {
        CallRecorder failAll = CallRecorder.failingFirst(Integer.MAX_VALUE);
        try (LoopbackServer server = LoopbackServer.serving(1, failAll);
                GptNeoClient client = GptNeoClient.builder().target(server.target()).maxAttempts(3).build()) {
            assertThrows(UnavailableException.class, () -> client.detokenize(15496));
            assertEquals(3, failAll.calls());
        }
    }

    @Test
    void configureChannelOverridesTheBuildersOwnRetries() throws Exception {
        CallRecorder failAll = CallRecorder.failingFirst(Integer.MAX_VALUE);
        try (LoopbackServer server = LoopbackServer.serving(1, failAll);
                GptNeoClient client = GptNeoClient.builder().target(server.target()).maxAttempts(3)
                        .configureChannel(ManagedChannelBuilder::disableRetry).build()) {
            assertThrows(UnavailableException.class, () -> client.detokenize(15496));
            assertEquals(1, failAll.calls(), "gRPC's retries off: one attempt");
        }
    }

    @Test
    void aGenerationCutOffMidStreamIsNotReplayed() throws Exception {
        CallRecorder first = CallRecorder.counting();
        CallRecorder second = CallRecorder.counting();
        try (LoopbackServer a = LoopbackServer.serving(1, first);
                LoopbackServer b = LoopbackServer.serving(1, second);
                GptNeoClient client = GptNeoClient.builder().targets(a.target(), b.target()).build();
                TokenStream tokens = client.generate(
                        GenerationRequest.builder().prompt("Hello").maxNewTokens(120).ignoreEos().build())) {
            tokens.next();
            (a.engineStats().active() == 1 ? a : b).stop(); // ends the generation with UNAVAILABLE
            assertThrows(UnavailableException.class, () -> tokens.forEachRemaining(m -> { }));
            assertEquals(1, first.calls() + second.calls());
        }
    }
}
