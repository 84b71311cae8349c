package dev.gptneo.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * GPT-2's byte-level BPE tokenizer, as used unchanged by GPT-Neo: gives the same ids as Hugging
 * Face's {@code GPT2Tokenizer} and OpenAI's tiktoken {@code gpt2} encoding.
 *
 * <p>Immutable and thread-safe: each call works on its own scratch buffers; the only shared
 * mutable state is a concurrent cache of recently encoded words.
 */
public final class Gpt2Tokenizer {
    /** The built-in GPT-2 tokenizer, made on first use (parsing the vocabulary takes a moment). */
    private static Gpt2Tokenizer gpt2;

    private final String[] tokenTexts;
    private final byte[][] tokenBytes;
    private final boolean[] special;
    private final String[] specialTexts;
    private final int[] specialIds;
    private final int eosId;
    private final MergeTable merges;
    private final int[] byteTokens;
    private final WordCache cache = new WordCache();

    /** @param source where the vocabulary came from, for error messages */
    private Gpt2Tokenizer(Vocabulary vocabulary, String source) throws IOException {
        tokenTexts = vocabulary.tokens();
        tokenBytes = vocabulary.bytes();
        specialIds = vocabulary.specialIds();
        special = new boolean[tokenTexts.length];
        specialTexts = new String[specialIds.length];
        for (int i = 0; i < specialIds.length; i++) {
            special[specialIds[i]] = true;
            specialTexts[i] = tokenTexts[specialIds[i]];
        }
        eosId = Arrays.asList(tokenTexts).indexOf(VocabularyLoader.END_OF_TEXT);
        merges = new MergeTable(vocabulary.merges());
        byteTokens = new int[256];
        Arrays.fill(byteTokens, -1);
        for (int id = 0; id < tokenBytes.length; id++) {
            if (tokenBytes[id].length == 1 && !special[id]) {
                byteTokens[tokenBytes[id][0] & 0xFF] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteTokens[b] < 0) {
                throw new IOException(source + ": the vocabulary has no token for byte 0x" + Integer.toHexString(b));
            }
        }
    }

    /**
     * Loads the tokenizer of a model directory: {@code vocab.json} + {@code merges.txt} if both are
     * there, else {@code tokenizer.json} (merges as {@code "a b"} strings or {@code ["a", "b"]} pairs).
     *
     * @throws IOException if the files are missing, unreadable or invalid; the message names the
     *                     file and, where it applies, the line or entry
     */
    public static Gpt2Tokenizer load(Path modelDir) throws IOException {
        return new Gpt2Tokenizer(VocabularyLoader.load(modelDir), modelDir.toString());
    }

    /**
     * Whether {@code dir} has tokenizer files of its own ({@code vocab.json}, {@code merges.txt} or
     * {@code tokenizer.json}); {@link #load} then loads them or says what is missing.
     */
    public static boolean hasTokenizerFiles(Path dir) {
        return Files.isDirectory(dir) && VocabularyLoader.hasTokenizerFiles(dir);
    }

    /**
     * GPT-2's tokenizer from the vocabulary bundled with this module (OpenAI's {@code encoder.json}
     * and {@code vocab.bpe} as {@code vocab.json} and {@code merges.txt}), which GPT-Neo uses
     * unchanged. One shared instance: the tokenizer is immutable.
     *
     * @throws UncheckedIOException if the bundled resources are missing or damaged (a broken build)
     */
    public static synchronized Gpt2Tokenizer gpt2() {
        if (gpt2 == null) {
            try {
                gpt2 = new Gpt2Tokenizer(VocabularyLoader.gpt2(), "the built-in GPT-2 vocabulary");
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        return gpt2;
    }

    /**
     * Encodes text the way Hugging Face's GPT2Tokenizer does: special-token text such as
     * {@code <|endoftext|>} becomes the special id, everything around it is BPE-encoded.
     */
    public int[] encode(String text) {
        IntList out = new IntList();
        PieceEncoder encoder = newPieceEncoder();
        int start = 0;
        while (true) {
            int at = text.length();
            int which = -1;
            for (int i = 0; i < specialTexts.length; i++) {
                int found = text.indexOf(specialTexts[i], start);
                if (found >= 0 && (found < at || found == at && specialTexts[i].length() > specialTexts[which].length())) {
                    at = found;
                    which = i;
                }
            }
            encoder.encode(text, start, at, out);
            if (which < 0) {
                return out.toArray(0);
            }
            out.add(specialIds[which]);
            start = at + specialTexts[which].length();
        }
    }

    /** Encodes text as plain text: special-token text is split and merged like any other. */
    public int[] encodeOrdinary(String text) {
        IntList out = new IntList();
        newPieceEncoder().encode(text, 0, text.length(), out);
        return out.toArray(0);
    }

    /**
     * Decodes ids to text: concatenates the tokens' bytes and decodes them as UTF-8, replacing each
     * maximal ill-formed subpart with U+FFFD (as Python's {@code errors="replace"} does).
     *
     * @throws IllegalArgumentException if an id is out of range
     */
    public String decode(int[] ids) {
        int length = 0;
        for (int id : ids) {
            length += bytesOf(id).length;
        }
        byte[] bytes = new byte[length];
        int at = 0;
        for (int id : ids) {
            byte[] token = tokenBytes[id];
            System.arraycopy(token, 0, bytes, at, token.length);
            at += token.length;
        }
        StringBuilder text = new StringBuilder(length);
        Utf8Decoder.decode(bytes, 0, length, text, true);
        return text.toString();
    }

    /** Starts decoding a stream of ids, e.g. tokens as a model generates them. */
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this);
    }

    /**
     * The bytes a token stands for (a copy). A token may hold part of a UTF-8 character.
     *
     * @throws IllegalArgumentException if the id is out of range
     */
    public byte[] tokenBytes(int id) {
        return bytesOf(id).clone();
    }

    /** Number of tokens, special ones included (50257 for GPT-2). */
    public int vocabSize() {
        return tokenTexts.length;
    }

    /** Id of {@code <|endoftext|>}, GPT-2's end-of-text token (50256). */
    public int eosId() {
        return eosId;
    }

    /**
     * Whether the id is a special token such as {@code <|endoftext|>}.
     *
     * @throws IllegalArgumentException if the id is out of range
     */
    public boolean isSpecial(int id) {
        checkId(id);
        return special[id];
    }

    /**
     * The token as written in the vocabulary file: bytes in GPT-2's printable byte alphabet (a space
     * shows as {@code Ġ}); special tokens as their text.
     *
     * @throws IllegalArgumentException if the id is out of range
     */
    public String tokenText(int id) {
        checkId(id);
        return tokenTexts[id];
    }

    /** The token's bytes, not copied: for this package's decoders, which do not change them. */
    byte[] bytesOf(int id) {
        checkId(id);
        return tokenBytes[id];
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokenTexts.length) {
            throw new IllegalArgumentException("token id " + id + " is out of range 0.." + (tokenTexts.length - 1));
        }
    }

    private PieceEncoder newPieceEncoder() {
        return new PieceEncoder(merges, byteTokens, cache);
    }
}
