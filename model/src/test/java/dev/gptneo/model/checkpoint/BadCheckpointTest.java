package dev.gptneo.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gptneo.kernels.scalar.ScalarBackend;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.GptNeoModel;
import dev.gptneo.model.KvCache;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a checkpoint folder can be wrong fails with a message naming the file and the
 * tensor or field, before anything is half-loaded.
 */
class BadCheckpointTest {

    private static final Path GOOD = Fixtures.checkpoint("tiny-gpt-neo");

    @TempDir
    Path dir;

    /** A copy of the F32 fixture folder whose files a test may then break. */
    private Path copyOfFixture() throws IOException {
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(GOOD.resolve(f), dir.resolve(f));
        }
        return dir;
    }

    private CheckpointException loadFails() {
        return assertThrows(CheckpointException.class, () -> GptNeoModel.load(dir, new ScalarBackend(), null));
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
        }
    }

    @Test
    void missingConfig() throws IOException {
        copyOfFixture();
        Files.delete(dir.resolve("config.json"));
        assertMentions(loadFails(), "config.json", "missing");
    }

    @Test
    void missingWeights() throws IOException {
        copyOfFixture();
        Files.delete(dir.resolve("model.safetensors"));
        assertMentions(loadFails(), "model.safetensors", "model.safetensors.index.json");
    }

    @Test
    void wrongModelType() throws IOException {
        copyOfFixture();
        rewriteConfig(c -> c.addProperty("model_type", "gpt2"));
        assertMentions(loadFails(), "config.json", "model_type", "gpt2");
    }

    @Test
    void configFieldOfWrongKind() throws IOException {
        copyOfFixture();
        rewriteConfig(c -> c.addProperty("hidden_size", "wide"));
        assertMentions(loadFails(), "config.json", "hidden_size");
    }

    @Test
    void truncatedFile() throws IOException {
        copyOfFixture();
        Path weights = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(all, all.length - 1000));
        assertMentions(loadFails(), "model.safetensors", "data_offsets", "out of range");
    }

    @Test
    void fileShorterThanItsHeaderLength() throws IOException {
        copyOfFixture();
        Path weights = dir.resolve("model.safetensors");
        Files.write(weights, Arrays.copyOf(Files.readAllBytes(weights), 100));
        assertMentions(loadFails(), "model.safetensors", "header length", "out of range");
    }

    @Test
    void headerLengthOutOfRange() throws IOException {
        copyOfFixture();
        Path weights = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(weights);
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE / 2);
        Files.write(weights, all);
        assertMentions(loadFails(), "model.safetensors", "header length");
    }

    @Test
    void tooShortForAHeader() throws IOException {
        copyOfFixture();
        Files.write(dir.resolve("model.safetensors"), new byte[5]);
        assertMentions(loadFails(), "model.safetensors", "truncated");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        copyOfFixture();
        rewriteHeader(h -> {
            var offsets = h.getAsJsonObject("transformer.ln_f.bias").getAsJsonArray("data_offsets");
            offsets.set(1, new com.google.gson.JsonPrimitive(Long.MAX_VALUE / 4));
        });
        assertMentions(loadFails(), "model.safetensors", "transformer.ln_f.bias", "data_offsets");
    }

    @Test
    void shapeThatDisagreesWithConfig() throws IOException {
        copyOfFixture();
        rewriteConfig(c -> c.addProperty("max_position_embeddings", 64));
        assertMentions(loadFails(), "model.safetensors", "transformer.wpe.weight", "[128, 64]", "[64, 64]");
    }

    @Test
    void unknownDtype() throws IOException {
        copyOfFixture();
        // Same byte size as F32, so only the dtype itself is wrong.
        rewriteHeader(h -> h.getAsJsonObject("transformer.ln_f.bias").addProperty("dtype", "I32"));
        assertMentions(loadFails(), "model.safetensors", "transformer.ln_f.bias", "I32");
    }

    @Test
    void dtypeWhoseSizeDisagreesWithTheData() throws IOException {
        copyOfFixture();
        rewriteHeader(h -> h.getAsJsonObject("transformer.ln_f.bias").addProperty("dtype", "F16"));
        assertMentions(loadFails(), "model.safetensors", "transformer.ln_f.bias", "bytes");
    }

    @Test
    void missingTensor() throws IOException {
        copyOfFixture();
        SafetensorsWriter.copyOf(GOOD.resolve("model.safetensors")).remove("transformer.h.3.mlp.c_proj.bias")
                .write(dir.resolve("model.safetensors"));
        assertMentions(loadFails(), "transformer.h.3.mlp.c_proj.bias", "missing");
    }

    @Test
    void shardedCheckpointLoadsAndAnswersLikeTheSingleFile() throws Exception {
        Files.copy(GOOD.resolve("config.json"), dir.resolve("config.json"));
        SafetensorsFile whole = SafetensorsFile.open(GOOD.resolve("model.safetensors"), java.lang.foreign.Arena.ofAuto());
        SafetensorsWriter first = new SafetensorsWriter();
        SafetensorsWriter second = new SafetensorsWriter();
        JsonObject weightMap = new JsonObject();
        int i = 0;
        for (String name : whole.names()) {
            var e = whole.entry(name);
            byte[] bytes = whole.tensor(name).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            boolean toFirst = i++ % 2 == 0;
            (toFirst ? first : second).put(name, new SafetensorsWriter.Blob(e.dtype(), e.shape(), bytes));
            weightMap.addProperty(name, toFirst ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        first.write(dir.resolve("model-00001-of-00002.safetensors"));
        second.write(dir.resolve("model-00002-of-00002.safetensors"));
        JsonObject index = new JsonObject();
        index.add("weight_map", weightMap);
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());

        Fixtures.Case c = Fixtures.cases("tiny-gpt-neo").getFirst();
        try (GptNeoModel model = GptNeoModel.load(dir, new ScalarBackend(), null); KvCache cache = model.newCache()) {
            float[] logits = new float[model.config().vocabSize()];
            model.forward(cache, c.inputIds(), logits);
            assertEquals(c.lastLogits()[c.greedyNewIds()[0]], logits[c.greedyNewIds()[0]], 1e-3);
        }
    }

    @Test
    void indexNamingAShardWithoutTheTensor() throws IOException {
        copyOfFixture();
        Files.move(dir.resolve("model.safetensors"), dir.resolve("shard.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"transformer.wte.weight\": \"shard.safetensors\", \"lm_head.weight\": \"shard.safetensors\"}}");
        assertMentions(loadFails(), "model.safetensors.index.json", "lm_head.weight", "shard.safetensors");
    }

    @Test
    void contextOverflowIsAClearError() throws Exception {
        try (GptNeoModel model = GptNeoModel.load(GOOD, new ScalarBackend(), null); KvCache cache = model.newCache()) {
            float[] logits = new float[model.config().vocabSize()];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(cache, new int[129], logits));
            assertMentions(e, "129", "max_position_embeddings 128");
            assertEquals(0, cache.length(), "a refused forward pass leaves the cache as it was");
        }
    }

    private void rewriteConfig(java.util.function.Consumer<JsonObject> change) throws IOException {
        Path config = dir.resolve("config.json");
        JsonObject json = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
        change.accept(json);
        Files.writeString(config, json.toString());
    }

    /** Rewrites the header of the copied model.safetensors, keeping its data section. */
    private void rewriteHeader(java.util.function.Consumer<JsonObject> change) throws IOException {
        Path weights = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(weights);
        long headerLength = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        JsonObject header = JsonParser.parseString(new String(all, 8, (int) headerLength,
                java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
        change.accept(header);
        byte[] json = header.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + all.length - 8 - (int) headerLength).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(all, 8 + (int) headerLength, all.length - 8 - (int) headerLength);
        Files.write(weights, out.array());
    }
}
