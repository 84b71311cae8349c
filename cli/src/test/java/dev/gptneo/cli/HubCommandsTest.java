package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.hub.FakeHub;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code download}, and {@code generate --model ORG/NAME}, against a fake Hub on loopback and a fresh cache. */
class HubCommandsTest {

    private static final String REPO = "acme/tiny-neo";
    private static final Fixtures.Case CASE = Fixtures.cases("tiny-gpt-neo").getFirst();

    private final FakeHub hub = FakeHub.tinyGptNeo(REPO);

    @TempDir
    Path cache;

    HubCommandsTest() throws IOException {
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private Map<String, String> online() {
        return Map.of("HF_HUB_CACHE", cache.toString(), "HF_ENDPOINT", hub.endpoint().toString());
    }

    private Map<String, String> offline() {
        return Map.of("HF_HUB_CACHE", cache.toString(), "HF_HUB_OFFLINE", "1");
    }

    private Path snapshot() {
        return cache.resolve("models--acme--tiny-neo/snapshots/" + FakeHub.COMMIT).toAbsolutePath();
    }

    /** Stderr is no terminal here: one plain line per file fetched. */
    @Test
    void downloadFetchesTheModelAndPrintsItsSnapshotFolder() {
        CliRun run = CliRun.withEnvironment(online(), "download", REPO);
        assertEquals(0, run.status(), run.err());
        assertEquals(snapshot() + "\n", run.out());
        assertTrue(run.err().contains("fetching config.json (" + hub.content("config.json").length + " B)… done\n"), run.err());
        assertTrue(run.err().contains("fetching model.safetensors (13.7 MB)… done\n"), run.err());
    }

    @Test
    void downloadJsonNamesTheCommit() {
        CliRun run = CliRun.withEnvironment(online(), "download", REPO + "@main", "--json");
        assertEquals(0, run.status(), run.err());
        JsonObject json = run.json();
        assertEquals(REPO, json.get("model").getAsString());
        assertEquals("main", json.get("revision").getAsString());
        assertEquals(FakeHub.COMMIT, json.get("commit").getAsString());
        assertEquals(snapshot().toString(), json.get("snapshot").getAsString());
    }

    /** Once downloaded, offline generation from the Hub id gives the reference's greedy continuation, asking nothing. */
    @Test
    void generateWithAHubIdUsesTheCache() {
        assertEquals(0, CliRun.withEnvironment(online(), "download", REPO).status());
        int requests = hub.requests().size();
        CliRun run = CliRun.withEnvironment(online(), "generate", "--model", REPO, "--prompt-ids", ids(CASE.inputIds()),
                "--max-new-tokens", String.valueOf(CASE.greedyNewIds().length), "--greedy", "--ignore-eos", "--json",
                "--backend", "scalar");
        assertEquals(0, run.status(), run.err());
        assertEquals("[" + ids(CASE.greedyNewIds()) + "]", run.json().get("ids").toString());
        assertEquals(requests, hub.requests().size(), "a cached model is loaded without a request");
    }

    @Test
    void offlineAndNotCachedIsOneLineSayingHowToGetIt() {
        CliRun run = CliRun.withEnvironment(offline(), "generate", "--model", REPO, "--prompt", "x");
        assertEquals(1, run.status());
        assertEquals(List.of("error: " + REPO + " is not in the Hugging Face cache (" + cache + "), and HF_HUB_OFFLINE=1"
                + " forbids downloading it: run ./gptneo download " + REPO + " with network access"), run.err().lines().toList());
    }

    /** No --model: the real GPT-Neo 125M, and the way to run without it. */
    @Test
    void generateDefaultsToGptNeo125m() {
        CliRun run = CliRun.withEnvironment(offline(), "generate", "--prompt", "x");
        assertEquals(1, run.status());
        assertTrue(run.firstErrorLine().startsWith("error: EleutherAI/gpt-neo-125m is not in the Hugging Face cache ("),
                run.err());
        assertTrue(run.firstErrorLine().endsWith("or use --model synthetic:125m, which needs no download"), run.err());
    }

    @Test
    void anInvalidIdIsAUsageError() {
        CliRun run = CliRun.withEnvironment(online(), "download", "acme/../etc");
        assertEquals(2, run.status());
        assertTrue(run.firstErrorLine().startsWith("error: acme/../etc: not a Hub model id: "), run.err());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void aMissingRepoIsNamed() {
        CliRun run = CliRun.withEnvironment(online(), "download", "acme/nope");
        assertEquals(1, run.status());
        assertTrue(run.firstErrorLine().startsWith("error: acme/nope: no such model on the Hub"), run.err());
    }

    private static String ids(int[] ids) {
        return Arrays.stream(ids).mapToObj(String::valueOf).collect(Collectors.joining(","));
    }
}
