package dev.gptneo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Decoding against testdata/tokenizer/decode-cases.jsonl (WHATWG UTF-8 decoding of the token bytes). */
class DecodeTest {
    private static Gpt2Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Fixtures.gpt2();
    }

    @Test
    void everyCaseDecodesToItsText() throws IOException {
        List<JsonObject> cases = Fixtures.jsonLines("tokenizer/decode-cases.jsonl");
        assertEquals(400, cases.size(), "decode-cases.jsonl changed size");
        for (JsonObject c : cases) {
            int[] ids = Fixtures.ints(c, "ids");
            String expected = c.get("text").getAsString();
            assertEquals(expected, tokenizer.decode(ids), () -> "decode " + c.get("ids"));
            assertEquals(expected, streamed(tokenizer, ids), () -> "streaming decode " + c.get("ids"));
        }
    }

    @Test
    void streamingHoldsBackASplitCharacterUntilComplete() {
        // "é" is C3 A9; in GPT-2's byte alphabet those bytes are the tokens "Ã" (127) and "©" (102).
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        assertEquals("", decoder.push(127));
        assertEquals("é", decoder.push(102));
        assertEquals("", decoder.push(127));
        assertEquals("\uFFFD", decoder.flush());
    }

    @Test
    void outOfRangeIdsAreRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new int[] {15496, 50257}));
        assertTrue(e.getMessage().contains("50257"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.newStreamingDecoder().push(99999));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenBytes(50257));
    }

    @Test
    void vocabularyAccessorsMatchTheGpt2Files() {
        // Values as written in GPT-2's vocab.json (the tokenizer module's resource).
        assertEquals(50257, tokenizer.vocabSize());
        assertEquals(50256, tokenizer.eosId());
        assertTrue(tokenizer.isSpecial(50256));
        assertFalse(tokenizer.isSpecial(220));
        assertEquals("Ġ", tokenizer.tokenText(220));
        assertArrayEquals(new byte[] {' '}, tokenizer.tokenBytes(220));
        assertEquals("Hello", tokenizer.tokenText(15496));
        assertEquals("<|endoftext|>", tokenizer.tokenText(50256));
        assertArrayEquals("<|endoftext|>".getBytes(), tokenizer.tokenBytes(50256));
    }

    @Test
    void tokenBytesIsACopy() {
        tokenizer.tokenBytes(220)[0] = 'x';
        assertArrayEquals(new byte[] {' '}, tokenizer.tokenBytes(220));
    }

    /** Decodes id by id through a StreamingDecoder and concatenates what it returns. */
    static String streamed(Gpt2Tokenizer tokenizer, int[] ids) {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(decoder.push(id));
        }
        return text.append(decoder.flush()).toString();
    }
}
