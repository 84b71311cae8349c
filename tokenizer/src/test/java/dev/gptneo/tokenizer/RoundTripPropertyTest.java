package dev.gptneo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Properties over seeded random inputs: encoding loses nothing, streaming equals batch decoding. */
class RoundTripPropertyTest {
    private static final int[] WHITESPACE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680,
        0x2000, 0x2005, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF};
    private static final String[] SNIPPETS = {"'s", "'ll", "'RE", "<|endoftext|>", "<|endoftext", "👩‍👩‍👧", "🇩🇪",
        "e\u0301", "\r\n", "0x1F", "١٢٣"};

    private static Gpt2Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Fixtures.gpt2();
    }

    @Test
    void decodeOfEncodeIsIdentityOnValidUnicode() {
        Random random = new Random(20240601);
        for (int n = 0; n < 3000; n++) {
            String text = randomText(random, 1 + random.nextInt(n % 10 == 0 ? 400 : 40));
            assertEquals(text, tokenizer.decode(tokenizer.encode(text)), () -> "encode " + escaped(text));
            assertEquals(text, tokenizer.decode(tokenizer.encodeOrdinary(text)), () -> "encodeOrdinary " + escaped(text));
        }
    }

    @Test
    void loneSurrogatesAreEncodedAsReplacementCharacter() {
        assertEquals("a\uFFFDb\uFFFD \uFFFD", tokenizer.decode(tokenizer.encode("a\uD800b\uDC00 \uDBFF")));
    }

    @Test
    void streamingDecodeEqualsBatchDecodeOnRandomIds() {
        Random random = new Random(7);
        for (int n = 0; n < 3000; n++) {
            int[] ids = new int[random.nextInt(12)];
            for (int i = 0; i < ids.length; i++) {
                // Mostly the 256 single-byte tokens (ids 0..255 in GPT-2), which split characters.
                ids[i] = random.nextInt(3) == 0 ? random.nextInt(tokenizer.vocabSize()) : random.nextInt(256);
            }
            assertEquals(tokenizer.decode(ids), DecodeTest.streamed(tokenizer, ids), () -> java.util.Arrays.toString(ids));
        }
    }

    /** Text mixing ASCII words, all planes, combining marks, whitespace runs, emoji and contractions. */
    private static String randomText(Random random, int parts) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            switch (random.nextInt(9)) {
                case 0 -> text.append((char) ('a' + random.nextInt(26)));
                case 1 -> text.append(random.nextBoolean() ? ' ' : (char) (0x20 + random.nextInt(0x5F)));
                case 2 -> text.appendCodePoint(WHITESPACE[random.nextInt(WHITESPACE.length)]);
                case 3 -> text.appendCodePoint(0x300 + random.nextInt(0x70)); // combining marks
                case 4 -> text.appendCodePoint(0x1F300 + random.nextInt(0x700)); // emoji
                case 5 -> text.appendCodePoint(0x80 + random.nextInt(0x3000)); // Latin-1 up to CJK
                case 6 -> text.append(SNIPPETS[random.nextInt(SNIPPETS.length)]);
                case 7 -> text.append("abcdefghijklmnopqrstuvwxyz".repeat(3), 0, random.nextInt(78)); // long words
                default -> text.appendCodePoint(randomScalarValue(random));
            }
        }
        return text.toString();
    }

    /** Any Unicode scalar value: every plane, surrogates excluded. */
    private static int randomScalarValue(Random random) {
        int codePoint = random.nextInt(Character.MAX_CODE_POINT + 1);
        return Character.isSurrogate((char) codePoint) && codePoint < 0x10000 ? 0xFFFD : codePoint;
    }

    private static String escaped(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> out.append(c < 0x7F && c >= 0x20 ? Character.toString(c) : String.format("\\u{%X}", c)));
        return out.toString();
    }
}
