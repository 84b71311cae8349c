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
