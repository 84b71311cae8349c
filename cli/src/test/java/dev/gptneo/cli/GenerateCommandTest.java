package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate} and {@code logits} end to end on the F32 fixture, against its expected.json. */
class GenerateCommandTest {
    private static final Path FIXTURE = Path.of(System.getProperty("gptneo.shared"), "fixtures", "tiny-gpt-neo");
    // Case 0 of fixtures/tiny-gpt-neo/expected.json.
    private static final String PROMPT_IDS = "28827,12866,20185,468";
    private static final String GREEDY_IDS = "[29220,49008,39433,15532,16658,16172,34366,7729,746,22682,"
            + "46140,11258,17390,16461,40229,39985,17779,1373,14106,28448]";
    private static final String GREEDY_TEXT = " fixture mortalsbeardeduffeeway topping instructionsphpersonal rgbarer"
            + " accidents sticksKids stale cigaretteralSpace Turks";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path tmp;

    private int run(String... args) {
        return Main.run(args, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void greedyJsonMatchesTheReference() {
        int status = run("generate", "--model", FIXTURE.toString(), "--prompt-ids", PROMPT_IDS,
                "--max-new-tokens", "20", "--greedy", "--ignore-eos", "--json", "--backend", "scalar");
        assertEquals(0, status, err.toString());
        JsonObject json = JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(GREEDY_IDS, json.get("ids").toString());
        assertEquals(GREEDY_TEXT, json.get("text").getAsString());
        assertEquals("length", json.get("finish_reason").getAsString());
    }

    @Test
    void topLogprobsAddTokensToTheJson() {
        int status = run("generate", "--model", FIXTURE.toString(), "--prompt-ids", PROMPT_IDS,
                "--max-new-tokens", "3", "--ignore-eos", "--json", "--top-logprobs", "2", "--backend", "scalar");
        assertEquals(0, status, err.toString());
        JsonObject json = JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("[29220,49008,39433]", json.get("ids").toString());
        assertEquals("length", json.get("finish_reason").getAsString());
        var tokens = json.getAsJsonArray("tokens");
        assertEquals(3, tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            JsonObject token = tokens.get(i).getAsJsonObject();
            assertEquals(json.getAsJsonArray("ids").get(i).getAsInt(), token.get("id").getAsInt());
            var top = token.getAsJsonArray("top_logprobs");
            assertEquals(2, top.size(), token.toString());
            // Greedy: the token is the most likely one, and the alternatives come most likely first.
            assertEquals(token.get("id").getAsInt(), top.get(0).getAsJsonObject().get("id").getAsInt());
            assertTrue(token.get("logprob").getAsFloat() < 0, token.toString());
            assertTrue(top.get(0).getAsJsonObject().get("logprob").getAsFloat()
                    >= top.get(1).getAsJsonObject().get("logprob").getAsFloat(), token.toString());
        }
    }

    @Test
    void withoutTopLogprobsTheJsonHasNoTokens() {
        assertEquals(0, run("generate", "--model", FIXTURE.toString(), "--prompt-ids", PROMPT_IDS,
                "--max-new-tokens", "2", "--json", "--backend", "scalar"), err.toString());
        assertFalse(JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject().has("tokens"));
    }

    @Test
    void streamsPlainTextAndStopsAtAStopString() {
        int status = run("generate", "--model", FIXTURE.toString(), "--prompt-ids", PROMPT_IDS,
                "--max-new-tokens", "20", "--ignore-eos", "--stop", "topping", "--backend", "scalar");
        assertEquals(0, status, err.toString());
        assertEquals(" fixture mortalsbeardeduffeeway \n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void logitsFileHoldsVocabSizeFloatsCloseToTheReference() throws Exception {
        Path file = tmp.resolve("l.f32");
        int status = run("logits", "--model", FIXTURE.toString(), "--prompt-ids", PROMPT_IDS, "--out", file.toString(),
                "--backend", "scalar");
        assertEquals(0, status, err.toString());
        ByteBuffer got = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer want = ByteBuffer.wrap(Files.readAllBytes(FIXTURE.resolve("logits-0.f32"))).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(want.capacity(), got.capacity());
        for (int i = 0; i < want.capacity(); i += 4) {
            assertEquals(want.getFloat(i), got.getFloat(i), 1e-3, "logit " + i / 4);
        }
    }

    @Test
    void badRequestsAreClearErrors() {
        assertEquals(1, run("generate", "--model", FIXTURE.toString(), "--prompt-ids", "1,2", "--max-new-tokens", "500",
                "--backend", "scalar"));
        assertTrue(err.toString().contains("max_new_tokens") && err.toString().contains("128"), err.toString());
        assertFalse(err.toString().contains("\tat "), err.toString());
    }

    @Test
    void conflictingFlagsAreUsageErrors() {
        assertEquals(2, run("generate", "--model", FIXTURE.toString(), "--prompt", "x", "--greedy", "--top-k", "5"));
        assertEquals(2, run("generate", "--model", FIXTURE.toString(), "--prompt", "x", "--prompt-ids", "1"));
        assertEquals(2, run("generate", "--model", FIXTURE.toString(), "--prompt", "x", "--temperature", "hot"));
    }

    @Test
    void unknownBackendIsNamed() {
        assertEquals(1, run("generate", "--model", FIXTURE.toString(), "--prompt", "x", "--backend", "quantum"));
        assertTrue(err.toString().contains("unknown backend 'quantum'"), err.toString());
    }
}
