package dev.gptneo.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gptneo.kernels.scalar.ScalarBackend;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.engine.CompletionCollector;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationParams;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The model's vocabulary against its tokenizer's (GPT-2's 50,257 tokens): rows beyond the
 * tokenizer's (a vocabulary padded to 50,300) are never sampled nor reported; fewer rows are
 * refused at load.
 */
class PaddedVocabularyTest {

    private static final Path FIXTURE = Fixtures.checkpoint("tiny-gpt-neo");
    private static final int TOKENIZER = 50257;
    private static final String WTE = "transformer.wte.weight";
    private static final int HIDDEN = 64;

    @TempDir
    Path dir;

    /**
     * The F32 fixture with {@code vocab} rows of wte: cut, or padded with rows far longer than
     * the real ones, so that a padding id would win every argmax were it not masked.
     */
    private String withVocabulary(int vocab) throws IOException {
        JsonObject config = JsonParser.parseString(Files.readString(FIXTURE.resolve("config.json"))).getAsJsonObject();
        config.addProperty("vocab_size", vocab);
        config.addProperty("eos_token_id", Math.min(50256, vocab - 1));
        Files.writeString(dir.resolve("config.json"), config.toString());
        SafetensorsWriter weights = SafetensorsWriter.copyOf(FIXTURE.resolve("model.safetensors"));
        byte[] rows = Arrays.copyOf(weights.get(WTE).bytes(), vocab * HIDDEN * Float.BYTES);
        ByteBuffer padding = ByteBuffer.wrap(rows).order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = TOKENIZER * HIDDEN; i < vocab * HIDDEN; i++) {
            padding.putFloat(i * Float.BYTES, random.nextBoolean() ? 100f : -100f);
        }
        weights.put(WTE, new SafetensorsWriter.Blob("F32", new long[] {vocab, HIDDEN}, rows));
        weights.write(dir.resolve("model.safetensors"));
        return dir.toString();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void paddingIdsAreNeitherSampledNorReported(boolean sample) throws IOException {
        try (LoadedModel loaded = LoadedModel.open(withVocabulary(50300), new ScalarBackend(), null)) {
            assertEquals(50300, loaded.model().config().vocabSize());
            CompletionCollector collector = new CompletionCollector();
            GenerationParams params = GenerationParams.builder().maxNewTokens(6).topLogprobs(5).sample(sample)
                    .topK(0).seed(3).build();
            new Generation(loaded, new int[] {464, 2068, 7586}, params, collector).run();
            for (GeneratedToken token : collector.result().join().tokens()) {
                assertTrue(token.id() < TOKENIZER, () -> "sampled padding id " + token.id());
                assertEquals(5, token.top().size());
                token.top().forEach(alt -> assertTrue(alt.id() < TOKENIZER, () -> "reported padding id " + alt.id()));
            }
        }
    }

    @Test
    void aModelWithFewerRowsThanTheTokenizerIsRefused() throws IOException {
        String model = withVocabulary(50000);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LoadedModel.open(model, new ScalarBackend(), null));
        assertEquals(dir.resolve("config.json") + ": field \"vocab_size\": expected at least the tokenizer's 50257"
                + " tokens, got 50000 (the model has no row for its last ids; is --tokenizer the model's own?)",
                e.getMessage());
    }
}
