package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The command line: dispatch, exit codes, and {@code tokenize} end to end. */
class MainTest {
    private static final String MODEL = Path.of(System.getProperty("gptneo.shared"), "fixtures", "gpt2-bpe").toString();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) {
        return Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void tokenizeWritesOneIdsLinePerInputLine() {
        // Ids from fixtures/tokenizer/cases.jsonl.
        int status = run("{\"text\":\"Hello world!\"}\n{\"text\":\"hello <|endoftext|>\"}\n", "tokenize", "--model", MODEL);
        assertEquals(0, status, err.toString());
        assertEquals("{\"ids\":[15496,995,0]}\n{\"ids\":[31373,220,50256]}\n", out.toString());
    }

    @Test
    void tokenizeOrdinaryEncodesSpecialTextAsText() {
        assertEquals(0, run("{\"text\":\"hello <|endoftext|>\"}\n", "tokenize", "--ordinary", "--model", MODEL));
        assertEquals("{\"ids\":[31373,1279,91,437,1659,5239,91,29]}\n", out.toString());
    }

    @Test
    void badInputLineIsNamedAndEarlierLinesAreKept() {
        int status = run("{\"text\":\"a\"}\n{\"text\": 5}\n{\"text\":\"b\"}\n", "tokenize", "--model", MODEL);
        assertEquals(1, status);
        assertEquals("{\"ids\":[64]}\n", out.toString());
        assertTrue(err.toString().startsWith("error: stdin line 2:"), err.toString());
    }

    @Test
    void invalidJsonIsAnError() {
        assertEquals(1, run("{\"text\":\"a\"} trailing\n", "tokenize", "--model", MODEL));
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
        assertEquals(2, run("", "tokenize"));
        assertTrue(err.toString().contains("--model is required"), err.toString());
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
        assertEquals(2, run("", "tokenize", "--model", MODEL, "--bogus"));
        assertTrue(err.toString().startsWith("error: unknown argument '--bogus'\n"), err.toString());
        err.reset();
        assertEquals(2, run("", "generate", "--model", MODEL, "--prompt", "x", "--top-k", "many"));
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
