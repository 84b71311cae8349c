package dev.gptneo.server;

/**
 * Text measured and cut by its UTF-8 size, the size it has on the wire. Cuts fall between code
 * points, so a surrogate pair is never split into invalid text.
 */
final class BoundedText {

    private static final String ELLIPSIS = "…";
    private static final int ELLIPSIS_BYTES = 3;

    private BoundedText() {
    }

    /**
     * The UTF-8 length of {@code text}, without encoding it. A lone surrogate counts 3 bytes, as
     * much as any character outside a pair could take.
     */
    static long utf8Length(CharSequence text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** {@code text} itself when its UTF-8 form fits {@code maxBytes}; else its start and "…", within them. */
    static String truncate(String text, int maxBytes) {
        if (utf8Length(text) <= maxBytes) {
            return text;
        }
        int budget = maxBytes - ELLIPSIS_BYTES;
        int end = 0;
        while (end < text.length()) {
            int next = text.offsetByCodePoints(end, 1);
            budget -= (int) utf8Length(text.subSequence(end, next));
            if (budget < 0) {
                break;
            }
            end = next;
        }
        return text.substring(0, end) + ELLIPSIS;
    }
}
