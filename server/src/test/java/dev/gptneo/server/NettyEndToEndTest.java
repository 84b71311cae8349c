package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.proto.v1.Token;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The production wiring on a real loopback port, checked against the fixture's reference outputs. */
class NettyEndToEndTest {

    private static GptNeoServer server;
    private static LoadedModel model;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        ServerConfig config = TestServer.configBuilder(2, Duration.ZERO).metricsPort(0).build();
        var injector = Guice.createInjector(ServerModules.production(config));
        server = injector.getInstance(GptNeoServer.class).start();
        server.load();
        model = injector.getInstance(LoadedModel.class);
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), InsecureChannelCredentials.create())
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow();
        server.shutdown();
    }

    @Test
    void streamedIdsEqualTheReferenceGreedyIdsForEveryFixtureCase() {
        for (Fixtures.Case c : Fixtures.cases("tiny-gpt-neo")) {
            List<Token> tokens = new ArrayList<>();
            stream(Requests.greedy(c.greedyNewIds().length, c.inputIds()), tokens, new StringBuilder());
            assertArrayEquals(c.greedyNewIds(), tokens.stream().mapToInt(Token::getId).toArray(), c.toString());
        }
    }

    @Test
    void streamedDeltasJoinToTheBatchDecodedTextWithoutSplittingCharacters() {
        int partialTokens = 0;
        for (int seed = 0; seed < 3; seed++) {
            // Hot sampling over the whole vocabulary draws byte tokens that hold part of a character.
            GenerateRequest request = Requests.greedy(100, model.tokenizer().encode("naïve 東京 🙂")).toBuilder()
                    .setSampling(SamplingParams.newBuilder().setDecoding(SamplingParams.Decoding.SAMPLE)
                            .setTemperature(50).setTopK(0).setSeed(seed))
                    .build();
            List<Token> tokens = new ArrayList<>();
            StringBuilder streamed = new StringBuilder();
            List<String> deltas = stream(request, tokens, streamed);
            String batch = model.tokenizer().decode(tokens.stream().mapToInt(Token::getId).toArray());
            assertEquals(batch, streamed.toString(), "seed " + seed);
            if (!batch.contains("\uFFFD")) {
                deltas.forEach(d -> assertFalse(d.contains("\uFFFD"), "delta " + d));
            }
            partialTokens += (int) tokens.stream().filter(t -> t.getText().contains("\uFFFD")).count();
        }
        assertTrue(partialTokens > 0, "no token split a character: the test proves nothing");
    }

    /** Runs one Generate call; returns its deltas, and fills the tokens and the joined text. */
    private static List<String> stream(GenerateRequest request, List<Token> tokens, StringBuilder text) {
        List<String> deltas = new ArrayList<>();
        TextGenerationGrpc.newBlockingStub(channel).generate(request).forEachRemaining((GenerateResponse r) -> {
            tokens.addAll(r.getTokensList());
            deltas.add(r.getTextDelta());
            text.append(r.getTextDelta());
        });
        return deltas;
    }
}
