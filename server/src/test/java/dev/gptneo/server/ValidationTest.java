package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.BadRequest;
import dev.gptneo.proto.v1.DetokenizeRequest;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import dev.gptneo.proto.v1.TokenIds;
import dev.gptneo.proto.v1.TokenizeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule on a request: INVALID_ARGUMENT, with a google.rpc.BadRequest violation naming the field. */
class ValidationTest {

    private static TestServer test;

    @BeforeAll
    static void start() throws Exception {
        test = TestServer.serving(TestServer.config(2, Duration.ZERO));
    }

    @AfterAll
    static void stop() {
        test.close();
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                rule("prompt", r -> r.clearPrompt()),
                rule("prompt_text", r -> r.setPromptText("")),
                rule("prompt_ids", r -> r.setPromptIds(r.getPromptIdsBuilder().clearIds())),
                rule("prompt_ids.ids[1]", r -> r.setPromptIds(r.getPromptIdsBuilder().addIds(50257))),
                rule("prompt_ids.ids[1]", r -> r.setPromptIds(r.getPromptIdsBuilder().addIds(-1))),
                rule("sampling.temperature", r -> r.setSampling(sample().setTemperature(-0.5))),
                rule("sampling.temperature", r -> r.setSampling(sample().setTemperature(Double.NaN))),
                rule("sampling.top_p", r -> r.setSampling(sample().setTopP(0))),
                rule("sampling.top_p", r -> r.setSampling(sample().setTopP(1.5))),
                rule("sampling.top_k", r -> r.setSampling(sample().setTopK(-1))),
                rule("sampling.repetition_penalty", r -> r.setSampling(sample().setRepetitionPenalty(0))),
                rule("stopping.max_new_tokens", r -> r.setStopping(stopping().setMaxNewTokens(0))),
                // The fixture's context is 128 positions; the prompt has 1 token.
                rule("stopping.max_new_tokens", r -> r.setStopping(stopping().setMaxNewTokens(128))),
                rule("stopping.min_new_tokens", r -> r.setStopping(stopping().setMaxNewTokens(2).setMinNewTokens(3))),
                rule("stopping.stop[0]", r -> r.setStopping(stopping().addStop(""))),
                rule("stopping.stop[0]", r -> r.setStopping(stopping().addStop("x".repeat(257)))),
                rule("stopping.stop", r -> r.setStopping(stopping().addAllStop(Collections.nCopies(17, "x")))),
                rule("stopping.stop[0]", r -> r.setStopping(stopping().addStop("🙂".repeat(257)))),
                rule("top_logprobs", r -> r.setTopLogprobs(21)),
                rule("request_id", r -> r.setRequestId("x".repeat(129))),
                rule("request_id", r -> r.setRequestId("two words")),
                rule("request_id", r -> r.setRequestId("line\nbreak")),
                rule("request_id", r -> r.setRequestId("café")),
                rule("sampling.decoding", r -> r.setSampling(SamplingParams.newBuilder().setDecodingValue(99))),
                rule("sampling.decoding", r -> r.setSampling(SamplingParams.newBuilder().setDecodingValue(-1))),
                // The fixture's context is 128 positions: 128 ids leave no room for a new token.
                rule("prompt_ids", r -> r.setPromptIds(TokenIds.newBuilder()
                        .addAllIds(Collections.nCopies(128, 1)))),
                rule("prompt_text", r -> r.setPromptText("x".repeat(1 << 20))));
    }

    private static Arguments rule(String field, UnaryOperator<GenerateRequest.Builder> breakIt) {
        return Arguments.of(field, breakIt.apply(Requests.greedy(4, 1).toBuilder()).build());
    }

    private static SamplingParams.Builder sample() {
        return SamplingParams.newBuilder().setDecoding(SamplingParams.Decoding.SAMPLE);
    }

    private static StoppingCriteria.Builder stopping() {
        return StoppingCriteria.newBuilder().setMaxNewTokens(4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void isRefusedNamingTheField(String field, GenerateRequest request) {
        assertEquals(List.of(field), violatedFields(() -> test.stub().complete(request)));
        // The stream refuses it the same way, before any message.
        assertEquals(List.of(field), violatedFields(() -> test.stub().generate(request).hasNext()));
    }

    @Test
    void everyBrokenRuleIsReportedAtOnce() {
        GenerateRequest request = Requests.greedy(0, 1).toBuilder()
                .setSampling(sample().setTopP(2).setTemperature(-1)).build();
        assertEquals(List.of("sampling.temperature", "stopping.max_new_tokens", "sampling.top_p"),
                violatedFields(() -> test.stub().complete(request)));
    }

    @Test
    void aStopStringIsMeasuredInCodePoints() {
        GenerateRequest emoji = Requests.greedy(4, 1).toBuilder()
                .setStopping(stopping().addStop("🙂".repeat(RequestReader.MAX_STOP_LENGTH))).build();
        assertEquals(4, test.stub().complete(emoji).getUsage().getGeneratedTokens());
    }

    @Test
    void aPrintableRequestIdIsAccepted() {
        GenerateRequest request = Requests.greedy(4, 1).toBuilder()
                .setRequestId("req-42/retry_1:" + "x".repeat(RequestReader.MAX_REQUEST_ID_LENGTH - 15)).build();
        assertEquals(4, test.stub().complete(request).getUsage().getGeneratedTokens());
    }

    @Test
    void sizeLimitsAreReportedAloneBeforeTheOtherRules() {
        GenerateRequest request = Requests.greedy(0, 1).toBuilder().setRequestId("x".repeat(200))
                .setSampling(sample().setTopP(2)).build();
        assertEquals(List.of("request_id"), violatedFields(() -> test.stub().complete(request)));
    }

    @Test
    void tokenizeRefusesATextTooLongForTheContext() {
        assertEquals(List.of("text"), violatedFields(() -> test.stub()
                .tokenize(TokenizeRequest.newBuilder().setText("x".repeat(1 << 20)).build())));
    }

    @Test
    void temperatureZeroMeansGreedy() {
        GenerateRequest greedy = Requests.greedy(6, 1, 2);
        GenerateRequest zero = greedy.toBuilder().setSampling(sample().setTemperature(0).setSeed(9)).build();
        assertEquals(test.stub().complete(greedy).getTokensList(), test.stub().complete(zero).getTokensList());
    }

    @Test
    void detokenizeRefusesIdsOutsideTheVocabulary() {
        assertEquals(List.of("ids[1]"), violatedFields(() -> test.stub()
                .detokenize(DetokenizeRequest.newBuilder().addIds(1).addIds(60000).build())));
    }

    private static List<String> violatedFields(Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertTrue(status.getDetails(0).is(BadRequest.class));
        try {
            return status.getDetails(0).unpack(BadRequest.class).getFieldViolationsList().stream()
                    .map(BadRequest.FieldViolation::getField).toList();
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
            throw new AssertionError(ex);
        }
    }
}
