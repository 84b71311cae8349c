package dev.gptneo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encoding against tiktoken's gpt2 encoding (testdata/tokenizer), an independent implementation. */
class EncodeCasesTest {

    @Test
    void everyCaseMatchesInBothModes() throws IOException {
        assertCasesMatch(Fixtures.gpt2());
    }

    @Test
    void theSameFilesInAModelFolderGiveTheSameTokenizer(@TempDir Path dir) throws IOException {
        assertCasesMatch(Gpt2Tokenizer.load(Fixtures.writeBuiltinFiles(dir)));
    }

    /** Checks every case of cases.jsonl; also used for tokenizers loaded from other file layouts. */
    static void assertCasesMatch(Gpt2Tokenizer tokenizer) throws IOException {
        List<JsonObject> cases = Fixtures.jsonLines("tokenizer/cases.jsonl");
        assertEquals(335, cases.size(), "cases.jsonl changed size");
        for (JsonObject c : cases) {
            String text = c.get("text").getAsString();
            assertArrayEquals(Fixtures.ints(c, "ids"), tokenizer.encode(text), () -> "encode " + quoted(text));
            assertArrayEquals(Fixtures.ints(c, "ids_ordinary"), tokenizer.encodeOrdinary(text),
                    () -> "encodeOrdinary " + quoted(text));
        }
    }

    @Test
    void benchSampleHasTiktokensTokenCount() throws IOException {
        String sample = Files.readString(Fixtures.path("tokenizer/bench-sample.txt"));
        // Recorded in testdata/README.md: tiktoken's gpt2 encode_ordinary gives 170,717 tokens.
        assertEquals(170_717, Fixtures.gpt2().encodeOrdinary(sample).length);
    }

    private static String quoted(String text) {
        return '"' + text.replace("\n", "\\n") + '"';
    }
}
