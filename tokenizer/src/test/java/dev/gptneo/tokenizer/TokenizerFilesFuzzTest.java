package dev.gptneo.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokenizer files of any content load or are refused with an IOException of one line. Every build
 * replays the seeds and past findings under {@code src/test/resources/.../TokenizerFilesFuzzTestInputs};
 * {@code JAZZER_FUZZ=1 ./mvnw -pl tokenizer test -Djazzer.hooks=true
 * -Dtest=TokenizerFilesFuzzTest#vocabAndMerges} fuzzes one target (coverage-guided, until a
 * finding or its maxDuration).
 */
class TokenizerFilesFuzzTest {

    @TempDir
    static Path dir;

    /** vocab.json, a NUL byte, then merges.txt. */
    @FuzzTest(maxDuration = "5m")
    void vocabAndMerges(byte[] input) throws IOException {
        int split = indexOf(input, (byte) 0);
        Files.write(dir.resolve("vocab.json"), Arrays.copyOf(input, split));
        Files.write(dir.resolve("merges.txt"), Arrays.copyOfRange(input, Math.min(split + 1, input.length), input.length));
        Files.deleteIfExists(dir.resolve("tokenizer.json"));
        Refusals.loadsOrRefuses(IOException.class, TokenizerFilesFuzzTest::loadAndUse);
    }

    @FuzzTest(maxDuration = "5m")
    void tokenizerJson(byte[] input) throws IOException {
        Files.deleteIfExists(dir.resolve("vocab.json"));
        Files.deleteIfExists(dir.resolve("merges.txt"));
        Files.write(dir.resolve("tokenizer.json"), input);
        Refusals.loadsOrRefuses(IOException.class, TokenizerFilesFuzzTest::loadAndUse);
    }

    /** A tokenizer that loads must also work: encode and decode text of every kind. */
    private static void loadAndUse() throws IOException {
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(dir);
        tokenizer.decode(tokenizer.encode("Hello, world! <|endoftext|> caf\u00e9 \u4e2d\u6587 \ud83d\ude00 \n\t 1234"));
    }

    private static int indexOf(byte[] input, byte b) {
        for (int i = 0; i < input.length; i++) {
            if (input[i] == b) {
                return i;
            }
        }
        return input.length;
    }
}
