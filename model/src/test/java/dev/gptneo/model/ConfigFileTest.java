package dev.gptneo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.gptneo.tokenizer.SpecialFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A config.json is read strictly and every value is bounded by what the model can use; each
 * refusal names the file, the field and what was expected.
 */
class ConfigFileTest {

    private static final Path FIXTURE = Fixtures.checkpoint("tiny-gpt-neo").resolve("config.json");

    @TempDir
    Path dir;

    private JsonObject fixture() throws IOException {
        return JsonParser.parseString(Files.readString(FIXTURE)).getAsJsonObject();
    }

    private CheckpointException refused(Consumer<JsonObject> change) throws IOException {
        JsonObject config = fixture();
        change.accept(config);
        return refused(config.toString());
    }

    private CheckpointException refused(String text) throws IOException {
        Files.writeString(dir.resolve("config.json"), text);
        return refused();
    }

    private CheckpointException refused() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> GptNeoConfig.load(dir));
        assertFalse(e.getMessage().contains("\n"), () -> "one line: " + e.getMessage());
        return e;
    }

    private void assertMessage(CheckpointException e, String expected) {
        assertEquals(dir.resolve("config.json") + ": " + expected, e.getMessage());
    }

    @Test
    void theFixtureLoads() {
        assertEquals(8, GptNeoConfig.load(FIXTURE.getParent()).windowSize());
    }

    /** Each value that does not fit, and what config.json is told it should be. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "window_size|30000000|field \"window_size\": expected from 1 to max_position_embeddings (128), got 30000000",
        "window_size|1000000|field \"window_size\": expected from 1 to max_position_embeddings (128), got 1000000",
        "window_size|0|field \"window_size\": expected a whole number from 1 to 2147483647, got 0",
        "max_position_embeddings|2000000|field \"max_position_embeddings\": expected from 1 to 1048576, got 2000000",
        "intermediate_size|300000|field \"intermediate_size\": expected from 1 to 262144, got 300000",
        "num_layers|4294967300|field \"num_layers\": expected a whole number from 1 to 1024, got 4294967300",
        "hidden_size|64.7|field \"hidden_size\": expected a whole number, got 64.7",
        "hidden_size|66|field \"hidden_size\": expected a multiple of num_heads (4), got 66",
        "num_heads|65|field \"num_heads\": expected from 1 to 64, got 65",
        "vocab_size|-5|field \"vocab_size\": expected a whole number from 1 to 2147483647, got -5",
        "vocab_size|1e400|field \"vocab_size\": expected a whole number from 1 to 2147483647, got 1e400",
        "vocab_size|2000000|field \"vocab_size\": expected from 1 to 1048576, got 2000000",
        "hidden_size|100000|field \"hidden_size\": expected a whole number from 1 to 65536, got 100000",
        "intermediate_size|1e-3|field \"intermediate_size\": expected a whole number, got 1e-3",
        "layer_norm_epsilon|0|field \"layer_norm_epsilon\": expected a positive number, got 0.0",
        "layer_norm_epsilon|-1e-5|field \"layer_norm_epsilon\": expected a positive number, got -1.0E-5",
        "layer_norm_epsilon|1e-60|field \"layer_norm_epsilon\": expected a positive number, got 0.0",
        "eos_token_id|50257|field \"eos_token_id\": expected an id below vocab_size (50257), got 50257",
    })
    void aValueOutOfRangeNamesItsField(String field, String value, String expected) throws IOException {
        assertMessage(refused(c -> c.add(field, JsonParser.parseString(value))), expected);
    }

    @Test
    void aWholeNumberMayBeWrittenAsOne() throws IOException {
        JsonObject config = fixture();
        config.add("window_size", JsonParser.parseString("8.0"));
        config.add("num_heads", JsonParser.parseString("4e0"));
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertEquals(8, GptNeoConfig.load(dir).windowSize());
        assertEquals(4, GptNeoConfig.load(dir).heads());
    }

    @Test
    void matricesLargerThanAnIntCanIndexAreRefused() throws IOException {
        CheckpointException e = refused(c -> {
            c.addProperty("hidden_size", 65536);
            c.addProperty("num_heads", 1);
            c.addProperty("vocab_size", 1048576);
        });
        assertMessage(e, "field \"vocab_size\": expected at most 32767 with hidden_size 65536 (a weight matrix"
                + " of at most 2147483647 elements), got 1048576");
    }

    /** A billion repeats are refused before a single one is expanded, in no time and no memory. */
    @Test
    void aHugeAttentionRepeatIsRefusedWithoutExpandingIt() {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            CheckpointException e = refused(c -> c.add("attention_types", JsonParser.parseString("[[[\"global\",\"local\"],1e9]]")));
            assertMessage(e, "field \"attention_types[0][1]\": expected a whole number from 0 to 4, got 1e9");
            e = refused(c -> c.add("attention_types", JsonParser.parseString("[[[\"global\",\"local\"],1],[[\"local\"],3]]")));
            assertMessage(e, "field \"attention_types\": expands to more than num_layers (4) layers");
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[\"global\",\"local\"]|field \"attention_types[0]\": expected an array, got \"global\"",
        "[[\"global\",2]]|field \"attention_types[0][0]\": expected an array, got \"global\"",
        "[[[\"global\",\"local\"]]]|field \"attention_types[0]\": expected an array of 2, got [[\"global\",\"local\"]]",
        "[[[\"global\",\"local\"],\"2\"]]|field \"attention_types[0][1]\": expected a whole number, got \"2\"",
        "[[[\"global\",[\"local\"]],2]]|field \"attention_types[0][0][1]\": expected a string, got [\"local\"]",
        "[[[\"global\",\"sparse\"],2]]|field \"attention_types[0][0][1]\": expected \"global\" or \"local\", got \"sparse\"",
        "[[[],2]]|field \"attention_types\": expands to 0 layers but num_layers is 4",
        "{}|field \"attention_types\": expected an array, got {}",
    })
    void attentionTypesOfTheWrongShapeAreNamed(String types, String expected) throws IOException {
        assertMessage(refused(c -> c.add("attention_types", JsonParser.parseString(types))), expected);
    }

    @Test
    void fieldsOfTheWrongKindAreNamed() throws IOException {
        assertMessage(refused(c -> c.addProperty("num_layers", "abc")), "field \"num_layers\": expected a whole number, got \"abc\"");
        assertMessage(refused(c -> c.addProperty("hidden_size", "64")), "field \"hidden_size\": expected a whole number, got \"64\"");
        assertMessage(refused(c -> c.add("vocab_size", new JsonArray())), "field \"vocab_size\": expected a whole number, got []");
        assertMessage(refused(c -> c.remove("num_heads")), "field \"num_heads\": missing (expected a whole number)");
        assertMessage(refused(c -> c.add("layer_norm_epsilon", new JsonPrimitive("small"))),
                "field \"layer_norm_epsilon\": expected a number, got \"small\"");
        assertMessage(refused(c -> c.add("model_type", new JsonObject())), "field \"model_type\": expected \"gpt_neo\", got {}");
    }

    /** Found by CheckpointFuzzTest#configJson: a value shown in a message is escaped, so it stays one line. */
    @Test
    void aModelTypeWithANewlineStaysOnOneLine() throws IOException {
        assertMessage(refused(c -> c.addProperty("model_type", "gpt_no\n")),
                "field \"model_type\": expected \"gpt_neo\", got \"gpt_no\\n\"");
    }

    @Test
    void onlyAJsonObjectIsAConfig() throws IOException {
        assertMessage(refused("[1, 2]"), "expected an object, got [1,2]");
    }

    /** What Gson reads leniently, or silently overwrites, is not JSON. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{'model_type': 'gpt_neo'}|not valid JSON: syntax error at line 1 column 3 path $.",
        "{\"num_layers\": 4, \"num_layers\": 2}|not valid JSON: the key \"num_layers\" appears twice, at $.num_layers",
        "{\"num_layers\": 4} {}|not valid JSON: syntax error at line 1 column 20 path $",
        "{\"layer_norm_epsilon\": NaN}|not valid JSON: syntax error at line 1 column 24 path $.layer_norm_epsilon",
        "{\"a\": 1|not valid JSON: End of input at line 1 column 8 path $.a",
    })
    void malformedJsonIsRefusedWithWhereItIsBroken(String text, String expected) throws IOException {
        assertMessage(refused(text), expected);
    }

    @Test
    void malformedUtf8IsRefusedWithItsOffset() throws IOException {
        byte[] text = "{\"model_type\": \"gpt\u00e9neo\"}".getBytes(StandardCharsets.UTF_8);
        text[21] = (byte) 0xFF;
        Files.write(dir.resolve("config.json"), text);
        assertMessage(refused(), "not valid UTF-8 (byte 21)");
    }

    @Test
    void aFolderNamedConfigJsonIsNotReadAsOne() throws IOException {
        Files.createDirectory(dir.resolve("config.json"));
        assertMessage(refused(), "not a regular file (a folder, FIFO or device cannot be loaded)");
    }

    /** A FIFO would block the reader until something writes to it: it is refused unopened. */
    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        SpecialFiles.mkfifo(dir.resolve("config.json"));
        assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertMessage(refused(), "not a regular file (a folder, FIFO or device cannot be loaded)"));
    }

    @Test
    void missingIsSaid() {
        assertMessage(refused(), "missing (a GPT-Neo model folder needs config.json)");
    }

    /** The record's own bounds hold for configs made in code too. */
    @Test
    void theConstructorNamesTheFieldToo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GptNeoConfig(50257, 64, 4, 256, 128, 256, 1e-5f, 50256, java.util.List.of(false, true)));
        assertEquals("field \"window_size\": expected from 1 to max_position_embeddings (128), got 256", e.getMessage());
    }
}
