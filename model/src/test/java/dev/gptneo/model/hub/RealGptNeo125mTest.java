package dev.gptneo.model.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gptneo.kernels.Backends;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.KvCache;
import dev.gptneo.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real EleutherAI/gpt-neo-125M against the results transformers publishes for it
 * ({@code tests/models/gpt_neo/test_modeling_gpt_neo.py}). Runs when the model is in the Hugging
 * Face cache (as either spelling of its name, found offline: no download) or
 * {@code GPT_NEO_125M_DIR} names its folder; skipped otherwise.
 */
class RealGptNeo125mTest {

    private static LoadedModel loaded;

    @BeforeAll
    static void open() throws IOException {
        Path dir = realModel();
        assumeTrue(dir != null, "EleutherAI/gpt-neo-125m is not in the Hugging Face cache and GPT_NEO_125M_DIR is unset");
        loaded = LoadedModel.open(dir.toString(), Backends.create(null, Fixtures.backendOptions()), null);
    }

    @AfterAll
    static void close() {
        if (loaded != null) {
            loaded.close();
        }
    }

    /** The published next token of "It was a sunny": " day", id 1110. */
    @Test
    void itWasASunnyDay() {
        int[] ids = loaded.tokenizer().encode("It was a sunny");
        float[] logits = new float[loaded.model().config().vocabSize()];
        try (KvCache cache = loaded.model().newCache()) {
            loaded.model().forward(cache, ids, logits);
        }
        assertEquals(1110, Fixtures.argmax(logits));
    }

    /**
     * The published batch generation: both prompts left-padded to the longer one's 6 tokens,
     * greedy to {@code max_length} 20. With the attention mask and position ids taken from it,
     * as transformers' GPT-Neo does, a padded row computes what the unpadded prompt does, so each
     * is the unpadded prompt followed by 20 − 6 = 14 greedy tokens.
     */
    @Test
    void thePublishedBatchGeneration() {
        assertEquals("Hello this is a long string of text.\n\nI'm trying to get the text of the",
                greedy("Hello this is a long string", 14));
        assertEquals("Hey, I'm a little late to the party. I'm going to", greedy("Hey", 14));
    }

    private static String greedy(String prompt, int newTokens) {
        int[] ids = loaded.tokenizer().encode(prompt);
        int[] all = Arrays.copyOf(ids, ids.length + newTokens);
        float[] logits = new float[loaded.model().config().vocabSize()];
        try (KvCache cache = loaded.model().newCache()) {
            loaded.model().forward(cache, ids, logits);
            for (int t = 0; t < newTokens; t++) {
                all[ids.length + t] = Fixtures.argmax(logits);
                if (t + 1 < newTokens) {
                    loaded.model().forward(cache, new int[] {all[ids.length + t]}, logits);
                }
            }
        }
        return loaded.tokenizer().decode(all);
    }

    /** GPT_NEO_125M_DIR, else the cached snapshot under either name the Hub knows it by, else null. */
    private static Path realModel() throws IOException {
        String dir = System.getenv("GPT_NEO_125M_DIR");
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        HubSettings settings = HubSettings.fromEnvironment();
        HubDownloader cacheOnly = new HubDownloader(new HubSettings(settings.endpoint(), settings.cacheDir(), null, true,
                settings.stallTimeout()), DownloadProgress.NONE);
        for (String name : List.of("EleutherAI/gpt-neo-125m", "EleutherAI/gpt-neo-125M")) {
            HubModelId id = HubModelId.parse(name);
            if (Files.isDirectory(new HubCache(settings.cacheDir()).repoDir(id))) {
                try {
                    return cacheOnly.snapshot(id);
                } catch (HubException notComplete) {
                    // not usable from the cache: try the other spelling
                }
            }
        }
        return null;
    }
}
