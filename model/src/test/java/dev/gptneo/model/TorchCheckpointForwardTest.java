package dev.gptneo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code pytorch_model.bin} fixtures (one file, and two shards with an index), written by
 * real {@code torch.save} from the F16 fixture's weights with a tied head, slices at storage
 * offsets and strided views, give that fixture's float64 reference results on every backend:
 * last logits within {@link ForwardFixtureTest#TOLERANCE}, the same greedy ids.
 */
class TorchCheckpointForwardTest {

    private static final String REFERENCE = "tiny-gpt-neo-f16";
    private static final List<String> FOLDERS = List.of("tiny-gpt-neo-f16-torch", "tiny-gpt-neo-f16-torch-sharded");
    private static final FixtureModels MODELS = new FixtureModels(null);

    static Stream<Arguments> backendsFoldersAndCases() {
        return Fixtures.backends().stream().flatMap(backend -> FOLDERS.stream()
                .flatMap(folder -> Fixtures.cases(REFERENCE).stream().map(c -> Arguments.of(backend, folder, c))));
    }

    @AfterAll
    static void closeModels() {
        MODELS.close();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("backendsFoldersAndCases")
    void logitsAndGreedyIdsMatchTheReference(String backend, String folder, Fixtures.Case c) throws Exception {
        GptNeoModel model = MODELS.get(backend, folder);
        float[] logits = new float[model.config().vocabSize()];
        int[] generated = new int[c.greedyNewIds().length];
        try (KvCache cache = model.newCache()) {
            model.forward(cache, c.inputIds(), logits);
            double worst = Fixtures.maxAbsDiff(logits, c.lastLogits());
            assertTrue(worst <= ForwardFixtureTest.TOLERANCE, "max |logit - reference| = " + worst);
            for (int t = 0; t < generated.length; t++) {
                generated[t] = Fixtures.argmax(logits);
                model.forward(cache, new int[] {generated[t]}, logits);
            }
        }
        assertArrayEquals(c.greedyNewIds(), generated);
    }
}
