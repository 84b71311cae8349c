package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gptneo.model.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate} and {@code logits} end to end on the F32 fixture, against its expected.json. */
class GenerateCommandTest {
    private static final Path FIXTURE = Fixtures.checkpoint("tiny-gpt-neo");
    private static final Fixtures.Case CASE = Fixtures.cases("tiny-gpt-neo").getFirst();
    private static final String PROMPT_IDS = commaSeparated(CASE.inputIds());

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path tmp;

    private int run(String... args) {
        return Main.run(args, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /**
     * Sampling without --seed draws a fresh seed each run, as transformers' do_sample does, and
     * says which: given back with --seed, it repeats the text exactly.
     */
    @Test
    void samplingWithoutASeedDiffersEachRunAndTheReportedSeedRepeatsIt() {
        String[] sample = {"generate", "--model", FIXTURE.toString(), "--prompt-ids", PROMPT_IDS, "--backend", "scalar",
            "--temperature", "1.5", "--top-k", "0", "--max-new-tokens", "20", "--ignore-eos", "--json"};
        JsonObject first = ok(sample);
        JsonObject second = ok(sample);
        assertFalse(first.get("ids").equals(second.get("ids")), first + " " + second);
        long seed = first.get("seed").getAsLong();
        JsonObject repeated = ok(with(sample, "--seed", String.valueOf(seed)));
        first.remove("timings"); // the one field that differs from run to run
        repeated.remove("timings");
        assertEquals(first, repeated);

        // As text, the seed goes to stderr, and stdout stays the text alone.
        CliRun text = CliRun.of(Arrays.copyOf(sample, sample.length - 1));
        assertEquals(0, text.status(), text.err());
        String said = text.err().lines().filter(l -> l.startsWith("seed ")).findFirst().orElseThrow();
        String printed = said.substring("seed ".length(), said.indexOf(' ', "seed ".length()));
        CliRun again = CliRun.of(with(Arrays.copyOf(sample, sample.length - 1), "--seed", printed));
        assertEquals(text.out(), again.out());
        assertFalse(again.err().contains("seed "), "a given seed is not repeated back: " + again.err());
    }

    @Test
    void greedyJsonHasNoSeed() {
        assertFalse(ok("generate", "--model", FIXTURE.toString(), "--prompt-ids", PROMPT_IDS, "--backend", "scalar",
                "--max-new-tokens", "2", "--json").has("seed"));
    }

    private static JsonObject ok(String... args) {
        CliRun run = CliRun.of(args);
        assertEquals(0, run.status(), run.err());
        return run.json();
    }

    private static String[] with(String[] args, String... more) {
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    /** The fixture holds no tokenizer files: the built-in GPT-2 tokenizer decodes the text. */
    @Test
    void greedyJsonMatchesTheReference() {
        assertGreedyJsonMatches("--model", FIXTURE.toString());
    }

    @Test
    void aTokenizerFolderOverridesTheModels() throws Exception {
        Path tokenizer = Files.createDirectory(tmp.resolve("tokenizer"));
        Files.writeString(tokenizer.resolve("vocab.json"), "{\"<|endoftext|>\": 0}");
        Files.writeString(tokenizer.resolve("merges.txt"), "#version: 0.2\n");
        assertEquals(1, run("generate", "--model", FIXTURE.toString(), "--tokenizer", tokenizer.toString(),
                "--prompt", "x", "--backend", "scalar"));
        assertTrue(err.toString().startsWith("error: " + tokenizer), err.toString());
    }

    @Test
    void aTokenizerFolderWithTheGpt2FilesGivesTheReference() throws Exception {
        Path tokenizer = Files.createDirectory(tmp.resolve("tokenizer"));
        Files.write(tokenizer.resolve("vocab.json"), Fixtures.gpt2File("vocab.json"));
        Files.write(tokenizer.resolve("merges.txt"), Fixtures.gpt2File("merges.txt"));
        assertGreedyJsonMatches("--model", FIXTURE.toString(), "--tokenizer", tokenizer.toString());
    }

    private void assertGreedyJsonMatches(String... modelArgs) {
        List<String> args = new ArrayList<>(List.of("generate", "--prompt-ids", PROMPT_IDS,
                "--max-new-tokens", String.valueOf(CASE.greedyNewIds().length), "--greedy", "--ignore-eos", "--json",
                "--backend", "scalar"));
        args.addAll(List.of(modelArgs));
        int status = run(args.toArray(String[]::new));
        assertEquals(0, status, err.toString());
        JsonObject json = JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("[" + commaSeparated(CASE.greedyNewIds()) + "]", json.get("ids").toString());
        assertEquals(CASE.greedyNewText(), json.get("text").getAsString());
        assertEquals("length", json.get("finish_reason").getAsString());
        JsonObject usage = json.getAsJsonObject("usage");
        assertEquals(CASE.inputIds().length, usage.get("prompt_tokens").getAsInt());
        assertEquals(CASE.greedyNewIds().length, usage.get("generated_tokens").getAsInt());
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
        String text = CASE.greedyNewText();
        String stop = "topping";
        assertTrue(text.contains(stop), text);
        int status = run("generate", "--model", FIXTURE.toString(), "--prompt-ids", PROMPT_IDS,
                "--max-new-tokens", String.valueOf(CASE.greedyNewIds().length), "--ignore-eos", "--stop", stop,
                "--backend", "scalar");
        assertEquals(0, status, err.toString());
        assertEquals(text.substring(0, text.indexOf(stop)) + "\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aSyntheticModelNeedsNoTokenizerFiles() {
        int status = run("generate", "--model", "synthetic:tiny", "--prompt", "EleutherAI has", "--max-new-tokens", "4",
                "--ignore-eos", "--json", "--backend", "scalar");
        assertEquals(0, status, err.toString());
        JsonObject json = JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(4, json.get("ids").getAsJsonArray().size(), json.toString());
    }

    @Test
    void logitsFileHoldsVocabSizeFloatsCloseToTheReference() throws Exception {
        Path file = tmp.resolve("l.f32");
        int status = run("logits", "--model", FIXTURE.toString(), "--prompt-ids", PROMPT_IDS, "--out", file.toString(),
                "--backend", "scalar");
        assertEquals(0, status, err.toString());
        ByteBuffer got = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] want = CASE.lastLogits();
        assertEquals(4 * want.length, got.capacity());
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got.getFloat(4 * i), 1e-3, "logit " + i);
        }
    }

    /** --prompt is tokenized as generate's is: the same logits as its ids. */
    @Test
    void logitsTakesThePromptAsTextToo() throws Exception {
        Fixtures.TokenizerCase hello = Fixtures.tokenizerCase("Hello world!");
        Path fromText = tmp.resolve("text.f32");
        Path fromIds = tmp.resolve("ids.f32");
        assertEquals(0, run("logits", "--model", "synthetic:tiny", "--prompt", hello.text(), "--out", fromText.toString(),
                "--backend", "scalar"), err.toString());
        assertEquals(0, run("logits", "--model", "synthetic:tiny", "--prompt-ids", commaSeparated(hello.ids()), "--out",
                fromIds.toString(), "--backend", "scalar"), err.toString());
        assertArrayEquals(Files.readAllBytes(fromIds), Files.readAllBytes(fromText));
        assertEquals(2, run("logits", "--model", "synthetic:tiny", "--out", fromIds.toString()));
        assertTrue(err.toString().contains("error: give exactly one of --prompt TEXT and --prompt-ids 1,2,3\n"), err.toString());
    }

    @Test
    void jsonReportsTheTimings() {
        JsonObject json = ok("generate", "--model", FIXTURE.toString(), "--prompt-ids", PROMPT_IDS, "--max-new-tokens", "3",
                "--ignore-eos", "--json", "--backend", "scalar");
        JsonObject timings = json.getAsJsonObject("timings");
        double ttft = timings.get("time_to_first_token_ms").getAsDouble();
        assertTrue(ttft > 0 && timings.get("total_ms").getAsDouble() >= ttft, json.toString());
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

    private static String commaSeparated(int[] ids) {
        return Arrays.stream(ids).mapToObj(String::valueOf).collect(Collectors.joining(","));
    }

    @Test
    void unknownBackendIsNamed() {
        assertEquals(1, run("generate", "--model", FIXTURE.toString(), "--prompt", "x", "--backend", "quantum"));
        assertTrue(err.toString().contains("unknown backend 'quantum'"), err.toString());
    }
}
