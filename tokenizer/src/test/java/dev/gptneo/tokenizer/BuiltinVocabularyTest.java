package dev.gptneo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The GPT-2 vocabulary bundled with the module is OpenAI's, byte for byte. */
class BuiltinVocabularyTest {

    /*
     * The SHA-256 that tiktoken pins for OpenAI's GPT-2 files, encoder.json (= vocab.json) and
     * vocab.bpe (= merges.txt): tiktoken_ext/openai_public.py, gpt2(), encoder_json_hash and
     * vocab_bpe_hash (openai/tiktoken commit 6cc3a46c8dd4).
     */
    private static final String VOCAB_JSON_SHA256 = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783";
    private static final String MERGES_TXT_SHA256 = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5";

    @Test
    void resourcesAreOpenAisFiles() throws IOException, NoSuchAlgorithmException {
        assertEquals(VOCAB_JSON_SHA256, sha256(Fixtures.builtinFile(VocabularyLoader.GPT2_VOCAB)));
        assertEquals(MERGES_TXT_SHA256, sha256(Fixtures.builtinFile(VocabularyLoader.GPT2_MERGES)));
    }

    @Test
    void oneSharedTokenizerOfGpt2sShape() {
        Gpt2Tokenizer gpt2 = Gpt2Tokenizer.gpt2();
        assertSame(gpt2, Gpt2Tokenizer.gpt2());
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(50256, gpt2.eosId());
    }

    @Test
    void aMissingResourceIsNamed() {
        IOException e = assertThrows(IOException.class,
                () -> VocabularyLoader.Source.gzipResource("gpt2/missing.json.gz").read());
        assertTrue(e.getMessage().contains("dev/gptneo/tokenizer/gpt2/missing.json.gz"), e.getMessage());
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
