package dev.gptneo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken tokenizer files are reported with the file, and the line or entry, at fault. */
class LoaderErrorTest {
    private static final String VOCAB = "{\"a\": 0, \"b\": 1, \"ab\": 2, \"<|endoftext|>\": 3}";

    @TempDir
    Path dir;

    @Test
    void missingFiles() {
        assertMessage("vocab.json", "merges.txt", "tokenizer.json");
    }

    @Test
    void invalidVocabJson() throws IOException {
        write("vocab.json", "{\"a\": 0,\n \"b\" 1}");
        write("merges.txt", "#version: 0.2\n");
        assertMessage("vocab.json", "line 2");
    }

    @Test
    void nonIntegerId() throws IOException {
        write("vocab.json", "{\"a\": \"zero\", \"<|endoftext|>\": 1}");
        write("merges.txt", "#version: 0.2\n");
        assertMessage("vocab.json", "a", "integer");
    }

    @Test
    void idsWithAGap() throws IOException {
        write("vocab.json", "{\"a\": 0, \"<|endoftext|>\": 2}");
        write("merges.txt", "#version: 0.2\n");
        assertMessage("vocab.json", "id 2");
    }

    @Test
    void mergeLineWithoutTwoTokens() throws IOException {
        write("vocab.json", VOCAB);
        write("merges.txt", "#version: 0.2\na b\nab\n");
        assertMessage("merges.txt", "line 3");
    }

    @Test
    void mergeOfUnknownToken() throws IOException {
        write("vocab.json", VOCAB);
        write("merges.txt", "#version: 0.2\na b\na c\n");
        assertMessage("merges.txt", "line 3", "\"c\"");
    }

    @Test
    void vocabularyWithoutEndOfText() throws IOException {
        write("vocab.json", "{\"a\": 0}");
        write("merges.txt", "#version: 0.2\n");
        assertMessage("vocab.json", "<|endoftext|>");
    }

    @Test
    void vocabularyWithoutEveryByte() throws IOException {
        write("vocab.json", VOCAB);
        write("merges.txt", "#version: 0.2\na b\n");
        assertMessage("byte 0x0");
    }

    @Test
    void tokenizerJsonWithoutModel() throws IOException {
        write("tokenizer.json", "{\"added_tokens\": []}");
        assertMessage("tokenizer.json", "model");
    }

    @Test
    void tokenizerJsonWithBadMergeEntry() throws IOException {
        write("tokenizer.json", "{\"model\": {\"vocab\": " + VOCAB + ", \"merges\": [\"a b\", [\"a\"]]}}");
        assertMessage("tokenizer.json", "model.merges[1]");
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }

    private void assertMessage(String... parts) {
        IOException e = assertThrows(IOException.class, () -> Gpt2Tokenizer.load(dir));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "\"" + part + "\" not in: " + e.getMessage());
        }
    }
}
