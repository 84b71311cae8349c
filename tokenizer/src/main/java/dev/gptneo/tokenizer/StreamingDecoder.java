package dev.gptneo.tokenizer;

import java.util.Arrays;

/**
 * Decodes token ids one at a time, e.g. while a model generates them. A character split across
 * tokens is held back until its last byte arrives, so the pieces returned, concatenated, equal
 * {@link Gpt2Tokenizer#decode} of all the ids. Not thread-safe: one instance per stream.
 */
public final class StreamingDecoder {
    private final Gpt2Tokenizer tokenizer;
    /** Bytes not yet decoded: at most an incomplete UTF-8 sequence between calls. */
    private byte[] pending = new byte[16];
    private int length;

    StreamingDecoder(Gpt2Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * Adds one token and returns the characters it completes (possibly none).
     *
     * @throws IllegalArgumentException if the id is out of range
     */
    public String push(int id) {
        byte[] token = tokenizer.bytesOf(id);
        if (length + token.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(2 * pending.length, length + token.length));
        }
        System.arraycopy(token, 0, pending, length, token.length);
        length += token.length;
        return decode(false);
    }

    /**
     * Ends the stream: returns what is still held back, an incomplete character as U+FFFD, and
     * leaves the decoder ready for a new stream.
     */
    public String flush() {
        return decode(true);
    }

    private String decode(boolean endOfInput) {
        StringBuilder text = new StringBuilder(length);
        int stop = Utf8Decoder.decode(pending, 0, length, text, endOfInput);
        System.arraycopy(pending, stop, pending, 0, length - stop);
        length -= stop;
        return text.toString();
    }
}
