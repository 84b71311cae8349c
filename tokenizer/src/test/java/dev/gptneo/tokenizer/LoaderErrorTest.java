package dev.gptneo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        assertMessage("vocab.json", "field \"a\"", "whole number", "\"zero\"");
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

    @Test
    void aKeyTwiceInVocabJsonIsRefusedRatherThanTheLastWinning() throws IOException {
        write("vocab.json", "{\"a\": 0, \"b\": 1, \"a\": 2, \"<|endoftext|>\": 3}");
        write("merges.txt", "#version: 0.2\n");
        assertEquals(dir.resolve("vocab.json") + ": not valid JSON: the key \"a\" appears twice, at $.a", message());
    }

    @Test
    void aFractionalIdIsNotTruncated() throws IOException {
        write("vocab.json", "{\"a\": 0.5, \"<|endoftext|>\": 1}");
        write("merges.txt", "#version: 0.2\n");
        assertEquals(dir.resolve("vocab.json") + ": field \"a\": expected a whole number, got 0.5", message());
    }

    @Test
    void textAfterTheVocabularyIsRefused() throws IOException {
        write("vocab.json", VOCAB + " {}");
        write("merges.txt", "#version: 0.2\n");
        assertMessage("vocab.json", "not valid JSON", "line 1 column 48");
    }

    /**
     * Found by TokenizerFilesFuzzTest: Gson's message ends in a second line (a link to its
     * troubleshooting page) and advises lenient parsing; the message is its first line, reworded.
     */
    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '~', value = {
        "~~ => not valid JSON: End of input at line 1 column 1 path $",
        "{\"a\": 0,, \"b\": 1} => not valid JSON: syntax error at line 1 column 10 path $.a",
        "{\"a\u0001\": 0} => not valid JSON: Unescaped control characters (\\u0000-\\u001F) are not allowed in strict mode"
                + " at line 1 column 3 path $.",
        "{a: 0} => not valid JSON: syntax error at line 1 column 3 path $.",
    })
    void aSyntaxErrorIsOneLineWithoutGsonsAdvice(String vocab, String expected) throws IOException {
        write("vocab.json", vocab);
        write("merges.txt", "#version: 0.2\n");
        assertEquals(dir.resolve("vocab.json") + ": " + expected, message());
    }

    @Test
    void malformedUtf8IsRefusedWithItsOffset() throws IOException {
        write("vocab.json", VOCAB);
        Files.write(dir.resolve("merges.txt"), new byte[] {'#', 'v', '\n', 'a', ' ', (byte) 0xE2, (byte) 0x82});
        assertEquals(dir.resolve("merges.txt") + ": not valid UTF-8 (byte 5)", message());
    }

    /** A FIFO would block the loader until something wrote to it: refused without being opened. */
    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        write("vocab.json", VOCAB);
        SpecialFiles.mkfifo(dir.resolve("merges.txt"));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertEquals(dir.resolve("merges.txt")
                + ": not a regular file (a folder, FIFO or device cannot be loaded)", message()));
    }

    @Test
    void aMergeLineIsShownOnOneLine() throws IOException {
        write("vocab.json", VOCAB);
        write("merges.txt", "#version: 0.2\na b\na\u000b b c\n");
        assertEquals(dir.resolve("merges.txt") + " line 3: expected two tokens separated by one space, got \"a\\u000b b c\"",
                message());
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '~', value = {
        "[] => expected an object, got []",
        "{\"model\": []} => field \"model\": expected an object, got []",
        "{\"model\": {\"vocab\": " + VOCAB + ", \"merges\": []}, \"added_tokens\": [{\"id\": 3, \"content\": \"<|endoftext|>\", \"special\": \"yes\"}]}"
                + " => field \"added_tokens[0].special\": expected true or false, got \"yes\"",
        "{\"model\": {\"vocab\": " + VOCAB + ", \"merges\": []}, \"added_tokens\": [{\"id\": 3, \"content\": [\"x\"]}]}"
                + " => field \"added_tokens[0].content\": expected a string, got [\"x\"]",
        "{\"model\": {\"vocab\": " + VOCAB + ", \"merges\": [[\"a\", \"b\", \"c\"]]}}"
                + " => field \"model.merges[0]\": expected an array of 2, got [\"a\",\"b\",\"c\"]",
        "{\"model\": {\"vocab\": " + VOCAB + ", \"merges\": [[\"a\", 2]]}} => field \"model.merges[0][1]\": expected a string, got 2",
        "{\"model\": {\"vocab\": {\"a\": 4294967296}, \"merges\": []}}"
                + " => field \"model.vocab.a\": expected a whole number from 0 to 2147483647, got 4294967296",
    })
    void tokenizerJsonFieldsOfTheWrongKindAreNamed(String json, String expected) throws IOException {
        write("tokenizer.json", json);
        assertEquals(dir.resolve("tokenizer.json") + ": " + expected, message());
    }

    private String message() {
        IOException e = assertThrows(IOException.class, () -> Gpt2Tokenizer.load(dir));
        assertFalse(e.getMessage().contains("\n"), e::getMessage);
        return e.getMessage();
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
