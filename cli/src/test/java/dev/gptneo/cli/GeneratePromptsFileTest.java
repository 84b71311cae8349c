package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gptneo.model.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code generate --prompts-file} end to end on the F32 fixture (scalar backend), against its
 * expected.json and against plain {@code generate} run on each prompt.
 */
@Timeout(120)
class GeneratePromptsFileTest {
    private static final Path FIXTURE = Fixtures.checkpoint("tiny-gpt-neo");
    private static final List<Fixtures.Case> CASES = Fixtures.cases("tiny-gpt-neo");
    /** The fixture's greedy continuations are this long. */
    private static final int NEW_TOKENS = CASES.getFirst().greedyNewIds().length;
    private static final List<String> MODEL = List.of("--model", FIXTURE.toString(), "--backend", "scalar");

    private ByteArrayOutputStream out = new ByteArrayOutputStream();
    private ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path tmp;

    private int run(String stdin, List<String> args) {
        out = new ByteArrayOutputStream();
        err = new ByteArrayOutputStream();
        return Main.run(args.toArray(String[]::new), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** {@code generate} on the fixture with these flags. */
    private int generate(String... flags) {
        return generateWithStdin("", flags);
    }

    private int generateWithStdin(String stdin, String... flags) {
        List<String> args = new ArrayList<>(List.of("generate"));
        args.addAll(MODEL);
        args.addAll(List.of(flags));
        return run(stdin, args);
    }

    private String promptsFile(String... lines) throws IOException {
        Path file = tmp.resolve("prompts.jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file.toString();
    }

    private List<JsonObject> outLines() {
        return out.toString(StandardCharsets.UTF_8).lines()
                .map(line -> JsonParser.parseString(line).getAsJsonObject())
                .toList();
    }

    /** {@code generate --json}'s object, less its timings: a --prompts-file line leaves them out (they vary run to run). */
    private JsonObject outJson() {
        JsonObject json = JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        json.remove("timings");
        return json;
    }

    /** The fixture's prompt texts, which its input_ids encode. */
    private static List<String> promptTexts() throws IOException {
        JsonArray cases = JsonParser.parseString(Files.readString(FIXTURE.resolve("expected.json")))
                .getAsJsonObject().getAsJsonArray("cases");
        return cases.asList().stream().map(c -> c.getAsJsonObject().get("prompt").getAsString()).toList();
    }

    private static String textLine(String prompt) {
        JsonObject line = new JsonObject();
        line.addProperty("prompt", prompt);
        return line.toString();
    }

    private static String idsLine(Fixtures.Case c, String moreFields) {
        return "{\"prompt_ids\": [" + commaSeparated(c.inputIds()) + "]" + moreFields + "}";
    }

    private static String commaSeparated(int[] ids) {
        return Arrays.stream(ids).mapToObj(String::valueOf).collect(Collectors.joining(","));
    }

    private static int[] ids(JsonObject line) {
        return line.getAsJsonArray("ids").asList().stream().mapToInt(e -> e.getAsInt()).toArray();
    }

    /**
     * Text and ids prompts alternate; two slots, one queue place and 8-row steps, so that prompts
     * wait, are submitted as others finish, and long ones are read in chunks.
     */
    @Test
    void greedyLinesGiveTheReferenceContinuationsAndWhatGenerateGivesForEach() throws Exception {
        List<String> texts = promptTexts();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < CASES.size(); i++) {
            lines.add(i % 2 == 0 ? textLine(texts.get(i)) : idsLine(CASES.get(i), ""));
        }
        String file = promptsFile(lines.toArray(String[]::new));
        assertEquals(0, generate("--prompts-file", file, "--max-new-tokens", String.valueOf(NEW_TOKENS), "--ignore-eos",
                "--max-concurrent", "2", "--max-queued", "1", "--max-batch-tokens", "8"), err.toString());
        List<JsonObject> batch = outLines();
        assertEquals(CASES.size(), batch.size(), out.toString());
        for (int i = 0; i < CASES.size(); i++) {
            Fixtures.Case c = CASES.get(i);
            JsonObject line = batch.get(i);
            assertEquals(i, line.get("index").getAsInt());
            assertArrayEquals(c.greedyNewIds(), ids(line), c.toString());
            assertEquals(c.greedyNewText(), line.get("text").getAsString(), c.toString());
            assertEquals("length", line.get("finish_reason").getAsString());
            assertEquals(c.inputIds().length, line.getAsJsonObject("usage").get("prompt_tokens").getAsInt());
            assertEquals(NEW_TOKENS, line.getAsJsonObject("usage").get("generated_tokens").getAsInt());

            assertEquals(0, generate("--prompt-ids", commaSeparated(c.inputIds()), "--max-new-tokens",
                    String.valueOf(NEW_TOKENS), "--ignore-eos", "--json"), err.toString());
            line.remove("index");
            assertEquals(outJson(), line, c.toString());
        }
    }

    @Test
    void linesComeOutInInputOrderWhenShortAndLongGenerationsMix() throws Exception {
        int[] lengths = {NEW_TOKENS, 1, 12, 2, NEW_TOKENS, 3};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            lines.add(idsLine(CASES.get(i), ", \"max_new_tokens\": " + lengths[i]));
        }
        assertEquals(0, generate("--prompts-file", promptsFile(lines.toArray(String[]::new)), "--ignore-eos",
                "--max-concurrent", "6"), err.toString());
        List<JsonObject> batch = outLines();
        assertEquals(lengths.length, batch.size(), out.toString());
        for (int i = 0; i < lengths.length; i++) {
            assertEquals(i, batch.get(i).get("index").getAsInt());
            assertArrayEquals(Arrays.copyOf(CASES.get(i).greedyNewIds(), lengths[i]), ids(batch.get(i)), "line " + i);
        }
    }

    /** The flags sample (temperature 0.9, seed 3); every line overrides some of them, each field once at least. */
    @Test
    void aLinesFieldsOverrideTheFlags() throws Exception {
        Fixtures.Case first = CASES.get(0);
        Fixtures.Case second = CASES.get(1);
        String stop = "topping";
        String file = promptsFile(
                idsLine(first, ", \"temperature\": 0"),
                idsLine(first, ", \"temperature\": 0, \"stop\": \"" + stop + "\""),
                idsLine(second, ", \"temperature\": 0, \"max_new_tokens\": 4, \"top_logprobs\": 2"),
                idsLine(second, ", \"seed\": 11, \"top_k\": 5, \"top_p\": 0.9, \"repetition_penalty\": 1.2,"
                        + " \"min_new_tokens\": 2, \"ignore_eos\": false, \"max_new_tokens\": 6, \"stop\": [\"x\", \"yz\"]"),
                idsLine(second, ", \"temperature\": 0.7"),
                idsLine(second, ", \"temperature\": null"));
        assertEquals(0, generate("--prompts-file", file, "--max-new-tokens", String.valueOf(NEW_TOKENS), "--ignore-eos",
                "--temperature", "0.9", "--seed", "3"), err.toString());
        List<JsonObject> batch = outLines();
        assertEquals(6, batch.size(), out.toString());

        assertArrayEquals(first.greedyNewIds(), ids(batch.get(0)));
        String text = first.greedyNewText();
        assertEquals(text.substring(0, text.indexOf(stop)), batch.get(1).get("text").getAsString());
        assertEquals("stop", batch.get(1).get("finish_reason").getAsString());
        assertArrayEquals(Arrays.copyOf(second.greedyNewIds(), 4), ids(batch.get(2)));
        JsonArray tokens = batch.get(2).getAsJsonArray("tokens");
        assertEquals(4, tokens.size());
        tokens.forEach(t -> assertEquals(2, t.getAsJsonObject().getAsJsonArray("top_logprobs").size(), t.toString()));

        String prompt = commaSeparated(second.inputIds());
        assertSameAsGenerate(batch.get(3), "--prompt-ids", prompt, "--temperature", "0.9", "--seed", "11", "--top-k",
                "5", "--top-p", "0.9", "--repetition-penalty", "1.2", "--min-new-tokens", "2", "--max-new-tokens", "6",
                "--stop", "x", "--stop", "yz");
        assertSameAsGenerate(batch.get(4), "--prompt-ids", prompt, "--temperature", "0.7", "--seed", "3",
                "--max-new-tokens", String.valueOf(NEW_TOKENS), "--ignore-eos");
        assertSameAsGenerate(batch.get(5), "--prompt-ids", prompt, "--temperature", "0.9", "--seed", "3",
                "--max-new-tokens", String.valueOf(NEW_TOKENS), "--ignore-eos");
    }

    private void assertSameAsGenerate(JsonObject line, String... flags) {
        List<String> args = new ArrayList<>(List.of(flags));
        args.add("--json");
        assertEquals(0, generate(args.toArray(String[]::new)), err.toString());
        JsonObject expected = outJson();
        line.remove("index");
        assertEquals(expected, line);
    }

    static Stream<Arguments> badLines() {
        return Stream.of(
                Arguments.of("{\"prompt\": \"x", "not valid JSON: unterminated string at column 14"),
                Arguments.of("prompt: x", "not valid JSON at column 1"),
                Arguments.of("[1, 2]", "expected a JSON object, {\"prompt\": ...} or {\"prompt_ids\": [...]}, got [1,2]"),
                Arguments.of("{\"prompt\": \"x\", \"max_tokens\": 5}", "unknown field \"max_tokens\" (the fields are"
                        + " prompt, prompt_ids, max_new_tokens, min_new_tokens, stop, ignore_eos, temperature, top_k, top_p,"
                        + " repetition_penalty, seed, top_logprobs)"),
                Arguments.of("{\"prompt\": \"x\", \"prompt\": \"y\"}", "field \"prompt\" appears twice"),
                Arguments.of("{\"prompt\": \"x\", \"prompt_ids\": [1]}", "give exactly one of \"prompt\" and \"prompt_ids\""),
                Arguments.of("{\"max_new_tokens\": 3}", "give exactly one of \"prompt\" and \"prompt_ids\""),
                Arguments.of("{\"prompt\": 5}", "prompt must be a string, got 5"),
                Arguments.of("{\"prompt_ids\": [1, 2.5]}", "prompt_ids[1] must be an integer, got 2.5"),
                Arguments.of("{\"prompt_ids\": [1, 50257]}",
                        "prompt_ids[1] token id 50257 is outside the vocabulary [0, 50257)"),
                Arguments.of("{\"prompt_ids\": [1, 2], \"max_new_tokens\": 127}", "max_new_tokens prompt (2 tokens) +"
                        + " max_new_tokens (127) exceeds the model's context of 128 positions"),
                Arguments.of("{\"prompt\": \"x\", \"max_new_tokens\": \"8\"}", "max_new_tokens must be an integer, got \"8\""),
                Arguments.of("{\"prompt\": \"x\", \"top_p\": 1.5}", "top_p must be in (0, 1], got 1.5"),
                Arguments.of("{\"prompt\": \"x\", \"temperature\": -1}", "temperature must be >= 0 (0 means greedy), got -1"),
                Arguments.of("{\"prompt\": \"x\", \"stop\": [\"\"]}", "stop[0] must not be empty"),
                Arguments.of("{\"prompt\": \"x\", \"ignore_eos\": 1}", "ignore_eos must be true or false, got 1"));
    }

    /** Two good lines, then the bad one: nothing is generated, and the message names line 3. */
    @ParameterizedTest
    @MethodSource("badLines")
    void aBadLineIsNamedWithItsLineNumberAndNothingIsGenerated(String bad, String message) throws Exception {
        String file = promptsFile("{\"prompt\": \"a\"}", "{\"prompt\": \"b\"}", bad, "{\"prompt\": \"c\"}");
        assertEquals(1, generate("--prompts-file", file, "--max-new-tokens", "2"));
        assertEquals("error: " + file + ":3: " + message + System.lineSeparator(), err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void blankLinesAreSkippedButCountInLineNumbers() throws Exception {
        String file = promptsFile("", idsLine(CASES.get(0), ""), "   ", idsLine(CASES.get(1), ""), "");
        assertEquals(0, generate("--prompts-file", file, "--max-new-tokens", "2", "--ignore-eos"), err.toString());
        List<JsonObject> batch = outLines();
        assertEquals(2, batch.size(), out.toString());
        assertEquals(1, batch.get(1).get("index").getAsInt());
        assertArrayEquals(Arrays.copyOf(CASES.get(1).greedyNewIds(), 2), ids(batch.get(1)));

        file = promptsFile("", idsLine(CASES.get(0), ""), "", "{\"prompt\": null}");
        assertEquals(1, generate("--prompts-file", file));
        assertTrue(err.toString().startsWith("error: " + file + ":4: give exactly one of"), err.toString());
    }

    @Test
    void aByteOrderMarkBeforeTheFirstLineIsSkipped() throws Exception {
        String file = promptsFile("\uFEFF" + idsLine(CASES.get(0), ""));
        assertEquals(0, generate("--prompts-file", file, "--max-new-tokens", "2", "--ignore-eos"), err.toString());
        assertArrayEquals(Arrays.copyOf(CASES.get(0).greedyNewIds(), 2), ids(outLines().getFirst()));
    }

    @Test
    void dashReadsTheLinesFromStdin() throws Exception {
        String lines = idsLine(CASES.get(0), "") + "\n" + idsLine(CASES.get(1), ", \"max_new_tokens\": 3") + "\n";
        assertEquals(0, generate("--prompts-file", promptsFile(lines.strip().split("\n")), "--max-new-tokens", "5",
                "--ignore-eos"), err.toString());
        String fromFile = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, generateWithStdin(lines, "--prompts-file", "-", "--max-new-tokens", "5", "--ignore-eos"),
                err.toString());
        assertEquals(fromFile, out.toString(StandardCharsets.UTF_8));
        assertEquals(2, outLines().size());

        assertEquals(1, generateWithStdin(lines + "{\"prompt\": []}\n", "--prompts-file", "-"));
        assertEquals("error: stdin:3: prompt must be a string, got []" + System.lineSeparator(), err.toString());
    }

    @Test
    void aSinglePromptFlagBesideAPromptsFileIsAUsageError() throws Exception {
        String file = promptsFile("{\"prompt\": \"a\"}");
        assertEquals(2, generate("--prompts-file", file, "--prompt", "x"));
        assertTrue(err.toString().startsWith("error: --prompts-file cannot be combined with --prompt"
                + System.lineSeparator()), err.toString());
        assertEquals(2, generate("--prompts-file", file, "--prompt-ids", "1,2"));
        assertTrue(err.toString().startsWith("error: --prompts-file cannot be combined with --prompt-ids"
                + System.lineSeparator()), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void engineLimitsOutOfRangeAreUsageErrors() throws Exception {
        assertEquals(2, generate("--prompts-file", promptsFile("{\"prompt\": \"a\"}"), "--max-concurrent", "8",
                "--max-batch-tokens", "4"));
        assertTrue(err.toString().startsWith("error: --max-batch-tokens must be at least --max-concurrent (8"),
                err.toString());
    }

    @Test
    void aBadFlagIsNamedOnceAndAMissingFileByItsName() throws Exception {
        assertEquals(1, generate("--prompts-file", promptsFile("{\"prompt\": \"a\"}"), "--top-p", "2"));
        assertEquals("error: top_p must be in (0, 1], got 2.0" + System.lineSeparator(), err.toString());
        String missing = tmp.resolve("missing.jsonl").toString();
        assertEquals(1, generate("--prompts-file", missing));
        assertEquals("error: " + missing + ": no such file" + System.lineSeparator(), err.toString());
    }

    @Test
    void anEmptyFileGivesNoLines() throws Exception {
        assertEquals(0, generate("--prompts-file", promptsFile("")), err.toString());
        assertEquals("", out.toString());
    }
}
