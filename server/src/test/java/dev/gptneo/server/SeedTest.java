package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.proto.v1.CompleteResponse;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.Token;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A sampled request without a seed gets a fresh one, and the response says which: sent back, it
 * gives the same tokens. Greedy decoding draws nothing and reports no seed.
 */
class SeedTest {

    @RegisterExtension
    static final ServingServer test = new ServingServer();

    /** 24 sampled tokens at temperature 1.5 over the whole vocabulary: two seeds agreeing on all is beyond chance. */
    private static GenerateRequest sampled() {
        GenerateRequest greedy = Requests.greedy(24, 464, 3616, 286, 1204);
        return greedy.toBuilder().setSampling(SamplingParams.newBuilder()
                .setDecoding(SamplingParams.Decoding.SAMPLE).setTemperature(1.5).setTopK(0)).build();
    }

    @Test
    void aStreamReportsTheSeedItDrewAndThatSeedRepeatsIt() {
        Run first = run(sampled());
        Run second = run(sampled());
        assertTrue(first.last().hasSeed() && second.last().hasSeed());
        long seed = first.last().getSeed();
        assertTrue(seed >= 0 && seed < 1L << 53, "a fresh seed fits a JSON number exactly: " + seed);
        assertNotEquals(seed, second.last().getSeed());
        assertNotEquals(first.ids(), second.ids());

        Run repeated = run(withSeed(seed));
        assertEquals(first.ids(), repeated.ids());
        assertEquals(seed, repeated.last().getSeed());
    }

    @Test
    void twoUnseededRunsDifferAndTheReportedSeedReproducesTheText() {
        CompleteResponse first = test.stub().complete(sampled());
        CompleteResponse second = test.stub().complete(sampled());
        assertNotEquals(first.getText(), second.getText());
        CompleteResponse repeated = test.stub().complete(withSeed(first.getSeed()));
        assertEquals(first.getText(), repeated.getText());
        assertEquals(first.getTokensList().stream().map(Token::getId).toList(),
                repeated.getTokensList().stream().map(Token::getId).toList());
        assertEquals(first.getSeed(), repeated.getSeed());
    }

    @Test
    void greedyDecodingReportsNoSeed() {
        assertFalse(run(Requests.greedy(3, 1, 2)).last().hasSeed());
        assertFalse(test.stub().complete(Requests.greedy(3, 1, 2)).hasSeed());
    }

    private static GenerateRequest withSeed(long seed) {
        return sampled().toBuilder().setSampling(sampled().getSampling().toBuilder().setSeed(seed)).build();
    }

    /** A stream's token ids and its last message. */
    private record Run(List<Integer> ids, GenerateResponse last) {
    }

    private static Run run(GenerateRequest request) {
        List<GenerateResponse> responses = new ArrayList<>();
        test.stub().generate(request).forEachRemaining(responses::add);
        List<Integer> ids = new ArrayList<>();
        for (GenerateResponse response : responses) {
            response.getTokensList().forEach(t -> ids.add(t.getId()));
        }
        for (int i = 0; i < responses.size() - 1; i++) {
            assertFalse(responses.get(i).hasSeed(), "only the last message carries the seed");
        }
        return new Run(ids, responses.getLast());
    }
}
