package dev.gptneo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Encoding against tiktoken's gpt2 encoding (fixtures/tokenizer), an independent implementation. */
class EncodeCasesTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-bpe", "tiny-gpt-neo"})
    void everyCaseMatchesInBothModes(String modelDir) throws IOException {
        assertCasesMatch(Gpt2Tokenizer.load(Fixtures.path(modelDir)));
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
    void benchCorpusHasTiktokensTokenCount() throws IOException {
        String corpus = Files.readString(Fixtures.path("tokenizer/bench-corpus.txt"));
        // Published with the fixture: tiktoken's gpt2 encode_ordinary gives 2,683,878 tokens.
        assertEquals(2_683_878, Fixtures.gpt2().encodeOrdinary(corpus).length);
    }

    private static String quoted(String text) {
        return '"' + text.replace("\n", "\\n") + '"';
    }
}
