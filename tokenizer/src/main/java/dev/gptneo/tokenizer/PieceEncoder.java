package dev.gptneo.tokenizer;

/**
 * Encodes ordinary text (no special tokens): splits it with {@link PreTokenizer}, then turns each
 * piece into UTF-8 and merges it with {@link BpeMerger}, consulting the {@link WordCache} first.
 * Holds scratch buffers, so each encode call makes its own.
 */
final class PieceEncoder {
    private final int[] byteTokens;
    private final WordCache cache;
    private final BpeMerger merger;
    private byte[] utf8 = new byte[64];

    PieceEncoder(MergeTable merges, int[] byteTokens, WordCache cache) {
        this.byteTokens = byteTokens;
        this.cache = cache;
        this.merger = new BpeMerger(merges, byteTokens);
    }

    /** Appends the token ids of {@code text[from..to)} to {@code out}. */
    void encode(String text, int from, int to, IntList out) {
        int start = from;
        while (start < to) {
            int end = PreTokenizer.pieceEnd(text, start, to);
            char first = text.charAt(start);
            if (end - start == 1 && first < 0x80) {
                out.add(byteTokens[first]); // one ASCII byte is one token: skip cache and BPE
            } else if (end - start <= WordCache.MAX_PIECE_LENGTH) {
                encodeCached(text, start, end, out);
            } else {
                mergePiece(text, start, end, out);
            }
            start = end;
        }
    }

    private void encodeCached(String text, int start, int end, IntList out) {
        String piece = text.substring(start, end);
        int[] cached = cache.get(piece);
        if (cached != null) {
            out.addAll(cached);
            return;
        }
        int mark = out.size();
        mergePiece(text, start, end, out);
        cache.put(piece, out.toArray(mark));
    }

    private void mergePiece(String text, int start, int end, IntList out) {
        int length = toUtf8(text, start, end); // first: it may replace the buffer
        merger.merge(utf8, length, out);
    }

    /** Writes the UTF-8 of {@code text[start..end)} into {@code utf8}; a lone surrogate becomes U+FFFD. */
    private int toUtf8(String text, int start, int end) {
        if (utf8.length < 3 * (end - start)) {
            utf8 = new byte[3 * (end - start)];
        }
        int n = 0;
        for (int i = start; i < end; i++) {
            int c = text.charAt(i);
            if (Character.isHighSurrogate((char) c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                c = Character.toCodePoint((char) c, text.charAt(++i));
            } else if (Character.isSurrogate((char) c)) {
                c = 0xFFFD;
            }
            if (c < 0x80) {
                utf8[n++] = (byte) c;
            } else if (c < 0x800) {
                utf8[n++] = (byte) (0xC0 | c >> 6);
                utf8[n++] = (byte) (0x80 | c & 0x3F);
            } else if (c < 0x10000) {
                utf8[n++] = (byte) (0xE0 | c >> 12);
                utf8[n++] = (byte) (0x80 | c >> 6 & 0x3F);
                utf8[n++] = (byte) (0x80 | c & 0x3F);
            } else {
                utf8[n++] = (byte) (0xF0 | c >> 18);
                utf8[n++] = (byte) (0x80 | c >> 12 & 0x3F);
                utf8[n++] = (byte) (0x80 | c >> 6 & 0x3F);
                utf8[n++] = (byte) (0x80 | c & 0x3F);
            }
        }
        return n;
    }
}
