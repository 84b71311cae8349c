package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.rpc.BadRequest;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.InvalidRequestException;
import dev.gptneo.proto.v1.DetokenizeRequest;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import dev.gptneo.proto.v1.TokenIds;
import dev.gptneo.proto.v1.TokenizeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.lang.management.ManagementFactory;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests built to make the server spend: each is refused cheaply (a few MB of heap at most,
 * however many rules it breaks) and with an error small enough for any gRPC client to read.
 */
class HostileRequestTest {

    /** 1.3 million ids just outside GPT-2's vocabulary: 3 bytes each on the wire, 3.9 MB in all. */
    private static final int MANY = 1_300_000;
    private static final int OUTSIDE = 60_000;
    private static final long HEAP_LIMIT = 10L << 20;
    /** Well under grpc-java's 8 KiB: room left for the transport's own headers. */
    private static final int TRAILER_BUDGET = Trailers.GRPC_JAVA_LIMIT * 3 / 4;

    @RegisterExtension
    static final ServingServer test = new ServingServer();

    private static RequestReader reader;

    @BeforeAll
    static void readRules() {
        reader = new RequestReader(test.instance(LoadedModel.class));
    }

    @Test
    void millionsOfBadPromptIdsAreRefusedByCountForLittleHeap() {
        GenerateRequest request = Requests.greedy(4).toBuilder()
                .setPromptIds(TokenIds.newBuilder().addAllIds(Collections.nCopies(MANY, OUTSIDE))).build();
        InvalidRequestException e = refusedCheaply(() -> reader.read(request));
        assertEquals(List.of("prompt_ids"), e.violations().stream().map(v -> v.field()).toList());
    }

    @Test
    void millionsOfBadDetokenizeIdsReportTwentyForLittleHeap() {
        DetokenizeRequest request = DetokenizeRequest.newBuilder()
                .addAllIds(Collections.nCopies(MANY, OUTSIDE)).build();
        InvalidRequestException e = refusedCheaply(() -> reader.detokenizeIds(request));
        assertEquals(InvalidRequestException.MAX_REPORTED, e.violations().size());
        assertEquals(MANY - InvalidRequestException.MAX_REPORTED, e.omitted());
        assertEquals("ids[0]", e.violations().getFirst().field());
    }

    @Test
    void aPromptTextTooLongForTheContextIsRefusedBeforeTokenizing() {
        GenerateRequest request = Requests.greedy(4).toBuilder().setPromptText("x ".repeat(MANY)).build();
        InvalidRequestException e = refusedCheaply(() -> reader.read(request));
        assertEquals("prompt_text", e.violations().getFirst().field());
        assertTrue(e.getMessage().contains("at most " + reader.maxTextBytes()), e.getMessage());
    }

    @Test
    void aTokenizeTextTooLongForTheContextIsRefusedBeforeTokenizing() {
        TokenizeRequest request = TokenizeRequest.newBuilder().setText("x ".repeat(MANY)).build();
        InvalidRequestException e = refusedCheaply(() -> reader.tokenizeText(request));
        assertEquals("text", e.violations().getFirst().field());
    }

    /** Runs a read that must fail, checking what the read and its status cost the thread. */
    private static InvalidRequestException refusedCheaply(Runnable read) {
        assertThrows(InvalidRequestException.class, read::run); // warm: classes loaded, code compiled
        InvalidRequestException[] refused = new InvalidRequestException[1];
        long allocated = allocatedBy(() -> {
            try {
                read.run();
                fail("accepted");
            } catch (InvalidRequestException e) {
                refused[0] = e;
                GrpcErrors.toStatus(e);
            }
        });
        assertTrue(allocated < HEAP_LIMIT, "refusing it allocated " + allocated + " bytes");
        return refused[0];
    }

    private static long allocatedBy(Runnable work) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        work.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    static Stream<Arguments> hostileCalls() {
        return Stream.of(
                generate("127 ids outside the vocabulary", r -> r.setPromptIds(ids(127, OUTSIDE))),
                generate("127 negative ids and every sampling rule broken", r -> r.setPromptIds(ids(127, -1))
                        .setSampling(SamplingParams.newBuilder().setDecodingValue(99).setTemperature(-1).setTopK(-1)
                                .setTopP(7).setRepetitionPenalty(Double.NaN))
                        .setStopping(StoppingCriteria.newBuilder().setMaxNewTokens(-5).setMinNewTokens(-9))
                        .setTopLogprobs(Integer.MAX_VALUE)),
                generate("1.3M ids outside the vocabulary", r -> r.setPromptIds(ids(MANY, OUTSIDE))),
                generate("a 3.9 MB prompt", r -> r.setPromptText("x ".repeat(MANY))),
                generate("a 1 MB stop string", r -> r.setStopping(stops(1, "s".repeat(1 << 20)))),
                generate("16 stop strings of 1000 emoji", r -> r.setStopping(stops(16, "🙂".repeat(1000)))),
                generate("100,000 empty stop strings", r -> r.setStopping(stops(100_000, ""))),
                generate("a 1 MB request id", r -> r.setRequestId("r".repeat(1 << 20))),
                generate("a request id of 128 emoji", r -> r.setRequestId("🙂".repeat(64))),
                Arguments.of("Detokenize 1.3M ids outside the vocabulary", (Runnable) () -> test.stub()
                        .detokenize(DetokenizeRequest.newBuilder().addAllIds(Collections.nCopies(MANY, OUTSIDE)).build())),
                Arguments.of("Detokenize 300,000 negative ids", (Runnable) () -> test.stub()
                        .detokenize(DetokenizeRequest.newBuilder().addAllIds(Collections.nCopies(300_000, -1)).build())),
                Arguments.of("Tokenize 1.3M emoji", (Runnable) () -> test.stub()
                        .tokenize(TokenizeRequest.newBuilder().setText("🙂".repeat(MANY)).build())));
    }

    private static Arguments generate(String name, UnaryOperator<GenerateRequest.Builder> hostile) {
        GenerateRequest request = hostile.apply(Requests.greedy(4, 1).toBuilder()).build();
        return Arguments.of(name, (Runnable) () -> test.stub().complete(request));
    }

    private static TokenIds ids(int count, int id) {
        return TokenIds.newBuilder().addAllIds(Collections.nCopies(count, id)).build();
    }

    private static StoppingCriteria stops(int count, String stop) {
        return StoppingCriteria.newBuilder().setMaxNewTokens(4).addAllStop(Collections.nCopies(count, stop)).build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileCalls")
    void isRefusedWithTrailersWellUnderTheLimit(String name, Runnable call) throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        int size = Trailers.size(e);
        assertTrue(size < TRAILER_BUDGET, name + ": trailers of " + size + " bytes");
        List<BadRequest.FieldViolation> violations = StatusProto.fromThrowable(e).getDetails(0)
                .unpack(BadRequest.class).getFieldViolationsList();
        assertTrue(!violations.isEmpty() && violations.size() <= InvalidRequestException.MAX_REPORTED,
                name + ": " + violations.size() + " violations");
    }

    @Test
    void theMessageSaysHowManyViolationsWereLeftOut() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> test.stub()
                .detokenize(DetokenizeRequest.newBuilder().addAllIds(Collections.nCopies(1000, OUTSIDE)).build()));
        assertTrue(e.getStatus().getDescription().endsWith("; and 980 more"), e.getStatus().getDescription());
    }

    @Test
    void theTextBoundIsExact() {
        String within = "x".repeat((int) reader.maxTextBytes());
        assertTrue(test.stub().tokenize(TokenizeRequest.newBuilder().setText(within).build()).getIdsCount() > 0);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> test.stub().tokenize(TokenizeRequest.newBuilder().setText(within + "x").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }
}
