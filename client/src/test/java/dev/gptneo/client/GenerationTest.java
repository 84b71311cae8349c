package dev.gptneo.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.model.Fixtures;
import dev.gptneo.proto.v1.CompleteResponse;
import dev.gptneo.proto.v1.FinishReason;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.GetModelInfoRequest;
import dev.gptneo.proto.v1.ModelInfo;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.proto.v1.Token;
import dev.gptneo.server.ServerConfig;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The SDK against a real server on the tiny fixture: tokens arrive in order and match the reference. */
class GenerationTest {

    private static LoopbackServer server;
    private static final CallRecorder recorder = CallRecorder.counting();
    private static GptNeoClient client;

    @BeforeAll
    static void start() throws Exception {
        server = LoopbackServer.serving(4, recorder);
        client = GptNeoClient.builder().target(server.target())
                .bearerToken("s3cret").allowTokenOverPlaintext() // loopback
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    static Stream<Fixtures.Case> cases() {
        return Fixtures.cases("tiny-gpt-neo").stream();
    }

    /** The reference's greedy continuation: prompt ids, greedy, past end-of-text, as many tokens as it has. */
    static GenerationRequest greedy(Fixtures.Case c) {
        return GenerationRequest.builder().promptIds(c.inputIds()).greedy().ignoreEos()
                .maxNewTokens(c.greedyNewIds().length).build();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void streamsTheReferenceTokensInOrder(Fixtures.Case c) {
        List<GenerateResponse> messages;
        try (TokenStream tokens = client.generate(greedy(c))) {
            messages = tokens.stream().toList();
        }
        assertArrayEquals(c.greedyNewIds(), ids(messages.stream().flatMap(m -> m.getTokensList().stream())));
        GenerateResponse last = messages.getLast();
        assertEquals(FinishReason.LENGTH, last.getFinishReason());
        assertEquals(c.greedyNewIds().length, last.getUsage().getGeneratedTokens());
        assertTrue(messages.subList(0, messages.size() - 1).stream()
                .allMatch(m -> m.getFinishReason() == FinishReason.FINISH_REASON_UNSPECIFIED));
    }

    @Test
    void completeAnswersTheSameGenerationAtOnce() throws Exception {
        Fixtures.Case c = cases().findFirst().orElseThrow();
        CompleteResponse response = client.complete(greedy(c)).get(30, TimeUnit.SECONDS);
        assertArrayEquals(c.greedyNewIds(), ids(response.getTokensList().stream()));
        assertEquals(c.greedyNewText(), response.getText());
    }

    @Test
    void publisherDeliversNoMoreThanTheSubscriberRequested() throws Exception {
        Fixtures.Case c = cases().findFirst().orElseThrow();
        RecordingSubscriber subscriber = new RecordingSubscriber();
        client.generateAsync(greedy(c)).subscribe(subscriber);

        subscriber.subscription.join().request(2);
        Thread.sleep(200); // time enough for a server that ignored the demand to send it all
        assertEquals(2, subscriber.received().size());

        subscriber.subscription.join().request(Long.MAX_VALUE);
        subscriber.done.get(30, TimeUnit.SECONDS);
        assertArrayEquals(c.greedyNewIds(), ids(subscriber.received().stream().flatMap(m -> m.getTokensList().stream())));
    }

    @Test
    void tokenizesDetokenizesAndDescribesTheModel() {
        Fixtures.TokenizerCase hello = Fixtures.tokenizerCase("Hello world!");
        var tokens = client.tokenize(hello.text());
        assertEquals(Arrays.stream(hello.ids()).boxed().toList(), tokens.getIdsList());
        assertEquals(hello.text(), client.detokenize(hello.ids()));
        ModelInfo info = client.modelInfo();
        assertEquals("tiny-gpt-neo", info.getName());
        assertEquals(4, info.getLimits().getMaxConcurrent());
        assertEquals(ServerConfig.DEFAULT_MAX_QUEUED, info.getLimits().getMaxQueued());
        assertEquals(ServerConfig.DEFAULT_MAX_BATCH_TOKENS, info.getLimits().getMaxBatchTokens());
    }

    @Test
    void sendsTheBearerToken() {
        client.modelInfo();
        assertEquals("Bearer s3cret", recorder.authorization());
    }

    @Test
    void theChannelCarriesTheTokenToCallsTheSdkHasNoMethodFor() {
        try (GptNeoClient other = GptNeoClient.builder().target(server.target())
                .bearerToken("channel-token").allowTokenOverPlaintext().build()) {
            ModelInfo info = ClientCalls.blockingUnaryCall(other.channel(), TextGenerationGrpc.getGetModelInfoMethod(),
                    CallOptions.DEFAULT, GetModelInfoRequest.getDefaultInstance());
            assertEquals("tiny-gpt-neo", info.getName());
            assertEquals("Bearer channel-token", recorder.authorization());
        }
    }

    private static int[] ids(Stream<Token> tokens) {
        return tokens.mapToInt(Token::getId).toArray();
    }

    /** Requests nothing by itself: the test decides the demand. */
    private static final class RecordingSubscriber implements Flow.Subscriber<GenerateResponse> {
        final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final List<GenerateResponse> received = new ArrayList<>();

        synchronized List<GenerateResponse> received() {
            return List.copyOf(received);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription.complete(s);
        }

        @Override
        public synchronized void onNext(GenerateResponse item) {
            received.add(item);
        }

        @Override
        public void onError(Throwable failure) {
            done.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }
}
