package dev.gptneo.tokenizer;

/**
 * GPT-2's reversible byte ↔ character map ({@code bytes_to_unicode} in OpenAI's encoder.py).
 *
 * <p>The vocabulary files store every token as a string of printable characters: each byte of the
 * token is shown as one character, printable Latin-1 bytes as themselves and the others (controls,
 * space, soft hyphen...) shifted to U+0100 and up, so that no token string contains whitespace.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by character; -1 where the character stands for no byte. */
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int shifted = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /**
     * Returns the bytes a vocabulary string stands for, or {@code null} if it holds a character
     * outside the byte alphabet (the caller knows which file to blame).
     */
    static byte[] toBytes(String tokenText) {
        byte[] bytes = new byte[tokenText.length()];
        for (int i = 0; i < bytes.length; i++) {
            char c = tokenText.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                return null;
            }
            bytes[i] = (byte) b;
        }
        return bytes;
    }
}
