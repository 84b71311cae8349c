package dev.gptneo.tokenizer;

/**
 * GPT-2's pre-tokenization: splits text into the pieces that BPE then encodes one by one.
 *
 * <p>Hand-written equivalent of the regular expression
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} with
 * leftmost-first alternation, working on code points: it is much faster than java.util.regex and
 * pins down the Unicode semantics (letters and numbers per {@link Character#getType}, {@code \s}
 * = the 25 White_Space code points). A lone surrogate counts as U+FFFD, the character it is
 * encoded as.
 */
final class PreTokenizer {
    private static final int LETTER = 0;
    private static final int NUMBER = 1;
    private static final int SPACE = 2;
    private static final int OTHER = 3;

    /** Classes of the ASCII characters, looked up directly: they are most of any real text. */
    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_CLASS[c] = (byte) classOf(c);
        }
    }

    private PreTokenizer() {
    }

    /**
     * Returns the end (exclusive char index) of the piece that starts at {@code start}.
     *
     * @param text  the text being split
     * @param start where the piece starts; less than {@code end}
     * @param end   where the text (or the stretch between special tokens) ends
     */
    static int pieceEnd(String text, int start, int end) {
        char first = text.charAt(start);
        if (first == '\'') {
            int contraction = contractionLength(text, start + 1, end);
            if (contraction > 0) {
                return start + 1 + contraction;
            }
        }
        int cls = classAt(text, start, end);
        if (cls == SPACE) {
            int runEnd = runEnd(text, start, end, SPACE);
            if (first == ' ' && runEnd == start + 1 && runEnd < end) {
                // A lone space joins the piece after it (the " ?" of the first three patterns).
                return runEnd(text, runEnd, end, classAt(text, runEnd, end));
            }
            // \s+(?!\S): a run followed by text gives up its last character to that text.
            return runEnd < end && runEnd - start > 1 ? runEnd - 1 : runEnd;
        }
        return runEnd(text, start, end, cls);
    }

    /** Length after the apostrophe of 's 't 're 've 'm 'll 'd at {@code i}, or 0 if none. */
    private static int contractionLength(String text, int i, int end) {
        if (i >= end) {
            return 0;
        }
        char c = text.charAt(i);
        if (c == 's' || c == 't' || c == 'm' || c == 'd') {
            return 1;
        }
        if (i + 1 < end) {
            char d = text.charAt(i + 1);
            if ((c == 'r' || c == 'v') && d == 'e' || c == 'l' && d == 'l') {
                return 2;
            }
        }
        return 0;
    }

    /** End of the run of code points of class {@code cls} that starts at {@code i}. */
    private static int runEnd(String text, int i, int end, int cls) {
        while (i < end) {
            char c = text.charAt(i);
            if (c < 128) {
                if (ASCII_CLASS[c] != cls) {
                    break;
                }
                i++;
            } else {
                if (classAt(text, i, end) != cls) {
                    break;
                }
                i += Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1)) ? 2 : 1;
            }
        }
        return i;
    }

    /** Class of the code point at char index {@code i}. */
    private static int classAt(String text, int i, int end) {
        char c = text.charAt(i);
        if (c < 128) {
            return ASCII_CLASS[c];
        }
        if (Character.isSurrogate(c)) {
            boolean pair = Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1));
            return pair ? classOf(Character.toCodePoint(c, text.charAt(i + 1))) : classOf(0xFFFD);
        }
        return classOf(c);
    }

    private static int classOf(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> isWhiteSpace(cp) ? SPACE : OTHER;
        };
    }

    /** Unicode's White_Space property (what \s means in Unicode regexes); U+FEFF is not in it. */
    private static boolean isWhiteSpace(int cp) {
        return cp >= 0x09 && cp <= 0x0D || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || cp >= 0x2000 && cp <= 0x200A || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
