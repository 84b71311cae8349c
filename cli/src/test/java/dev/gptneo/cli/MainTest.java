package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.gptneo.model.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: dispatch, exit codes, and {@code tokenize} end to end. */
class MainTest {
    private static final Fixtures.TokenizerCase HELLO = Fixtures.tokenizerCase("Hello world!");
    private static final Fixtures.TokenizerCase SPECIAL = Fixtures.tokenizerCase("hello <|endoftext|>");
    private static final Fixtures.TokenizerCase A = Fixtures.tokenizerCase("a");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) {
        return Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static String textLine(Fixtures.TokenizerCase c) {
        JsonObject line = new JsonObject();
        line.addProperty("text", c.text());
        return line + "\n";
    }

    private static String idsLine(int[] ids) {
        return "{\"ids\":" + Arrays.toString(ids).replace(" ", "") + "}\n";
    }

    /** With neither --model nor --tokenizer, tokenize uses the built-in GPT-2 tokenizer. */
    @Test
    void tokenizeWritesOneIdsLinePerInputLine() {
        int status = run(textLine(HELLO) + textLine(SPECIAL), "tokenize");
        assertEquals(0, status, err.toString());
        assertEquals(idsLine(HELLO.ids()) + idsLine(SPECIAL.ids()), out.toString());
    }

    @Test
    void tokenizeOrdinaryEncodesSpecialTextAsText() {
        assertEquals(0, run(textLine(SPECIAL), "tokenize", "--ordinary"));
        assertEquals(idsLine(SPECIAL.idsOrdinary()), out.toString());
    }

    @Test
    void tokenizeUsesAModelFoldersOwnFilesOrTheTokenizerFolder(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("vocab.json"), Fixtures.gpt2File("vocab.json"));
        Files.write(dir.resolve("merges.txt"), Fixtures.gpt2File("merges.txt"));
        assertEquals(0, run(textLine(HELLO), "tokenize", "--model", dir.toString()), err.toString());
        assertEquals(0, run(textLine(HELLO), "tokenize", "--model", "synthetic:tiny", "--tokenizer", dir.toString()),
                err.toString());
        assertEquals(idsLine(HELLO.ids()) + idsLine(HELLO.ids()), out.toString());
    }

    @Test
    void badInputLineIsNamedAndEarlierLinesAreKept() {
        int status = run(textLine(A) + "{\"text\": 5}\n{\"text\":\"b\"}\n", "tokenize");
        assertEquals(1, status);
        assertEquals(idsLine(A.ids()), out.toString());
        assertTrue(err.toString().startsWith("error: stdin line 2:"), err.toString());
    }

    @Test
    void tokenizeTextEncodesOneTextWithoutStdin() {
        assertEquals(0, run("", "tokenize", "--text", HELLO.text()), err.toString());
        assertEquals(idsLine(HELLO.ids()), out.toString());
    }

    /** Plain text on stdin, the first thing a new user tries, is pointed to --text (not Gson's advice on leniency). */
    @Test
    void aPlainTextLineSaysWhatToUseInstead() {
        assertEquals(1, run(textLine(A) + "Hello world\n", "tokenize"));
        assertEquals(idsLine(A.ids()), out.toString());
        assertEquals("error: stdin line 2: expected a JSON object {\"text\": ...}; use --text for plain text\n",
                err.toString());
    }

    @Test
    void detokenizeIsTokenizesMirror() {
        assertEquals(0, run(idsLine(HELLO.ids()) + idsLine(SPECIAL.ids()), "detokenize"), err.toString());
        String ids = Arrays.stream(HELLO.ids()).mapToObj(String::valueOf).collect(Collectors.joining(","));
        assertEquals(0, run("", "detokenize", "--ids", ids), err.toString());
        assertEquals(textLine(HELLO) + textLine(SPECIAL) + textLine(HELLO), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void detokenizeRefusesWhatIsNotATokenIdByLineOrFlag() {
        assertEquals(1, run("{\"ids\": [15496, 1.5]}\n", "detokenize"));
        assertEquals("error: stdin line 1: \"ids\"[1]: expected a token id (a whole number), got 1.5\n", err.toString());
        err.reset();
        assertEquals(1, run("15496 995\n", "detokenize"));
        assertEquals("error: stdin line 1: expected a JSON object {\"ids\": [...]}; use --ids 1,2,3 for a plain list\n",
                err.toString());
        err.reset();
        assertEquals(1, run("{\"ids\": [99999]}\n", "detokenize"));
        assertEquals("error: stdin line 1: token id 99999 is out of range 0..50256\n", err.toString());
        err.reset();
        assertEquals(1, run("", "detokenize", "--ids", "99999"));
        assertEquals("error: --ids: token id 99999 is out of range 0..50256\n", err.toString());
        err.reset();
        assertEquals(2, run("", "detokenize", "--ids", "1,x"));
        assertTrue(err.toString().startsWith("error: --ids expects comma-separated integers, got '1,x'\n"), err.toString());
    }

    @Test
    void invalidJsonIsAnError() {
        assertEquals(1, run("{\"text\":\"a\"} trailing\n", "tokenize"));
        assertTrue(err.toString().contains("stdin line 1"), err.toString());
    }

    @Test
    void missingModelDirectoryIsAnErrorWithoutStackTrace() {
        assertEquals(1, run("", "tokenize", "--model", "/nonexistent"));
        assertTrue(err.toString().startsWith("error: /nonexistent"), err.toString());
        assertFalse(err.toString().contains("\tat "), err.toString());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, run("", "tokenize", "--vocab"));
        assertTrue(err.toString().contains("unknown argument '--vocab'"), err.toString());
        assertTrue(err.toString().contains("usage: gptneo tokenize"), err.toString());
        assertEquals(2, run("", "frobnicate"));
        assertEquals(2, run(""));
        assertEquals("", out.toString());
    }

    @Test
    void usageErrorsKeepTheirOneLineMessages() {
        assertEquals(2, run("", "tokenize", "--model"));
        assertTrue(err.toString().startsWith("error: --model needs a value\nusage: gptneo tokenize"), err.toString());
        err.reset();
        assertEquals(2, run("", "tokenize", "--bogus"));
        assertTrue(err.toString().startsWith("error: unknown argument '--bogus'\n"), err.toString());
        err.reset();
        assertEquals(2, run("", "generate", "--model", "synthetic:tiny", "--prompt", "x", "--top-k", "many"));
        assertTrue(err.toString().startsWith("error: --top-k expects an integer, got 'many'\n"), err.toString());
        err.reset();
        assertEquals(2, run("", "frobnicate"));
        assertTrue(err.toString().startsWith("error: unknown sub-command 'frobnicate'\nusage: gptneo"), err.toString());
        err.reset();
        assertEquals(2, run(""));
        assertTrue(err.toString().startsWith("usage: gptneo <sub-command>"), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void helpListsSubCommands() {
        assertEquals(0, run("", "--help"));
        assertTrue(out.toString().contains("tokenize"), out.toString());
    }
}
