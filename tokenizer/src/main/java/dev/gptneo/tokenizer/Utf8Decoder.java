package dev.gptneo.tokenizer;

/**
 * UTF-8 → UTF-16 decoding that replaces each <em>maximal subpart</em> of an ill-formed sequence
 * with one U+FFFD, as the WHATWG Encoding Standard and Python's {@code errors="replace"} do.
 *
 * <p>Java's own decoder sometimes gives one U+FFFD where this practice gives two, so model output
 * would differ from the reference implementations. The decoder can also stop before an incomplete
 * sequence at the end of its input, which is what lets streaming decoding match batch decoding.
 */
final class Utf8Decoder {
    private static final char REPLACEMENT = '\uFFFD';

    private Utf8Decoder() {
    }

    /**
     * Decodes {@code bytes[from..to)} onto {@code out}.
     *
     * @param endOfInput whether nothing follows; if not, an incomplete but so far valid sequence at
     *                   the end is left undecoded
     * @return the index where decoding stopped: {@code to}, or the start of the incomplete tail
     */
    static int decode(byte[] bytes, int from, int to, StringBuilder out, boolean endOfInput) {
        int i = from;
        while (i < to) {
            int lead = bytes[i] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                i++;
                continue;
            }
            int needed;
            int codePoint;
            // Bounds of the second byte: they exclude overlong forms, surrogates and > U+10FFFF.
            int lower = 0x80;
            int upper = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                needed = 1;
                codePoint = lead & 0x1F;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                needed = 2;
                codePoint = lead & 0x0F;
                lower = lead == 0xE0 ? 0xA0 : lower;
                upper = lead == 0xED ? 0x9F : upper;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                needed = 3;
                codePoint = lead & 0x07;
                lower = lead == 0xF0 ? 0x90 : lower;
                upper = lead == 0xF4 ? 0x8F : upper;
            } else {
                out.append(REPLACEMENT);
                i++;
                continue;
            }
            int j = i + 1;
            while (needed > 0 && j < to) {
                int b = bytes[j] & 0xFF;
                if (b < lower || b > upper) {
                    break;
                }
                codePoint = codePoint << 6 | (b & 0x3F);
                lower = 0x80;
                upper = 0xBF;
                needed--;
                j++;
            }
            if (needed == 0) {
                out.appendCodePoint(codePoint);
            } else if (j == to && !endOfInput) {
                return i;
            } else {
                // The lead byte and the continuation bytes that fit make one maximal subpart;
                // the byte that did not fit starts afresh.
                out.append(REPLACEMENT);
            }
            i = j;
        }
        return to;
    }
}
