package dev.gptneo.model.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The environment variables huggingface_hub's constants.py reads, with its precedence. */
class HubSettingsTest {

    @Test
    void theDefaultsAreHuggingFaceHubs() {
        HubSettings settings = HubSettings.fromEnvironment(Map.of("HOME", "/home/u"));
        assertEquals(URI.create("https://huggingface.co"), settings.endpoint());
        assertEquals(Path.of("/home/u/.cache/huggingface/hub"), settings.cacheDir());
        assertFalse(settings.offline());
        assertEquals(Duration.ofSeconds(60), settings.stallTimeout());
    }

    @Test
    void hfHubCacheWinsOverHfHomeWhichWinsOverXdgCacheHome() {
        assertEquals(Path.of("/x/huggingface/hub"),
                HubSettings.fromEnvironment(Map.of("HOME", "/h", "XDG_CACHE_HOME", "/x")).cacheDir());
        assertEquals(Path.of("/hf/hub"),
                HubSettings.fromEnvironment(Map.of("HOME", "/h", "XDG_CACHE_HOME", "/x", "HF_HOME", "/hf")).cacheDir());
        assertEquals(Path.of("/c"), HubSettings.fromEnvironment(Map.of("HOME", "/h", "HF_HOME", "/hf",
                "HF_HUB_CACHE", "/c")).cacheDir());
        assertEquals(Path.of("/h/c"), HubSettings.fromEnvironment(Map.of("HOME", "/h", "HF_HUB_CACHE", "~/c")).cacheDir());
    }

    @Test
    void theEndpointLosesItsTrailingSlashAndMustBeAnHttpUrl() {
        assertEquals(URI.create("https://mirror.example/hf"),
                HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "https://mirror.example/hf/")).endpoint());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://x")));
        assertEquals("HF_ENDPOINT: expected an http(s) URL such as https://huggingface.co, got 'ftp://x'", e.getMessage());
    }

    @Test
    void offlineTakesHuggingFaceHubsTrueValues() {
        for (String yes : new String[] {"1", "true", "YES", "on"}) {
            assertTrue(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", yes)).offline(), yes);
        }
        assertFalse(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "0")).offline());
    }

    @Test
    void theTokenComesFromHfTokenElseTheLoginFile(@TempDir Path home) throws IOException {
        Files.writeString(home.resolve("token"), "hf_from_file\n");
        assertEquals("hf_from_file", HubSettings.fromEnvironment(Map.of("HF_HOME", home.toString())).token());
        assertEquals("hf_env", HubSettings.fromEnvironment(Map.of("HF_HOME", home.toString(), "HF_TOKEN", "hf_env")).token());
        assertNull(HubSettings.fromEnvironment(Map.of("HF_HOME", home.resolve("none").toString())).token());
    }

    @Test
    void theTokenIsNeverPrinted() {
        HubSettings settings = HubSettings.fromEnvironment(Map.of("HF_TOKEN", "hf_secret"));
        assertFalse(settings.toString().contains("hf_secret"), settings.toString());
    }
}
