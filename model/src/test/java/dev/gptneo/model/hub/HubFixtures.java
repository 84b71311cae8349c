package dev.gptneo.model.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.Backends;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.KvCache;
import dev.gptneo.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** What the Hub tests share: settings for a fake Hub and a cache folder, and the check that a model loads right. */
final class HubFixtures {

    static final String REPO = "acme/tiny-neo";
    static final HubModelId ID = HubModelId.parse(REPO);

    private HubFixtures() {
    }

    static HubSettings online(FakeHub hub, Path cache, String token) {
        return new HubSettings(hub.endpoint(), cache, token, false, Duration.ofSeconds(10));
    }

    static HubSettings offline(Path cache) {
        return new HubSettings(HubSettings.DEFAULT_ENDPOINT, cache, null, true, Duration.ofSeconds(10));
    }

    /** A downloader that resumes after a cut at once. */
    static HubDownloader downloader(HubSettings settings, int maxRetries) {
        return new HubDownloader(settings, DownloadProgress.NONE, maxRetries, Duration.ofMillis(10));
    }

    /**
     * Opens {@code spec} through {@code hub} and checks the first fixture prompt's last logits
     * against the float64 reference of testdata/tiny-gpt-neo (within 1e-3, as every backend is held to).
     */
    static void assertLoadsTinyGptNeo(String spec, HubDownloader hub) throws IOException {
        Fixtures.Case reference = Fixtures.cases("tiny-gpt-neo").getFirst();
        try (LoadedModel loaded = LoadedModel.open(spec, null, Backends.create("scalar", Fixtures.backendOptions()), null,
                () -> hub); KvCache cache = loaded.model().newCache()) {
            assertEquals(spec, loaded.name());
            float[] logits = new float[loaded.model().config().vocabSize()];
            loaded.model().forward(cache, reference.inputIds(), logits);
            double worst = Fixtures.maxAbsDiff(logits, reference.lastLogits());
            assertTrue(worst <= 1e-3, "max |logit - reference| = " + worst);
        }
    }
}
