package dev.gptneo.model.hub;

import static dev.gptneo.model.hub.HubFixtures.ID;
import static dev.gptneo.model.hub.HubFixtures.REPO;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a fake Hub on loopback into a fresh cache: what is fetched, how, and what the cache then holds. */
class HubDownloadTest {

    private static final List<String> NEEDED = List.of("config.json", "model.safetensors", "tokenizer_config.json",
            "special_tokens_map.json");

    @TempDir
    Path cache;

    private FakeHub hub;

    @BeforeEach
    void start() throws IOException {
        hub = FakeHub.tinyGptNeo(REPO);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private Path repoDir() {
        return cache.resolve("models--acme--tiny-neo");
    }

    private Path snapshot() {
        return repoDir().resolve("snapshots").resolve(FakeHub.COMMIT);
    }

    @Test
    void aColdDownloadThenAWarmLoadThatMakesNoRequest() throws IOException {
        HubDownloader downloader = HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0);
        assertEquals(snapshot(), downloader.snapshot(ID));
        int cold = hub.requests().size();
        assertTrue(cold > 0);

        HubFixtures.assertLoadsTinyGptNeo(REPO, downloader);
        assertEquals(cold, hub.requests().size(), "a warm load asks the Hub nothing: " + hub.requests());
    }

    @Test
    void onlyWhatAGptNeoNeedsIsFetched() throws IOException {
        HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0).snapshot(ID);
        assertEquals(NEEDED, hub.fetchedFiles());
        try (Stream<Path> files = Files.list(snapshot())) {
            assertEquals(NEEDED.stream().sorted().toList(), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (FakeHub.Request request : hub.requests()) {
            for (String unwanted : List.of("flax", "tf_model", "rust", "pytorch", "README", "gitattributes")) {
                assertFalse(request.path().contains(unwanted), "requested " + request.path());
            }
        }
    }

    /**
     * huggingface_hub's layout: refs/main holds the commit (no newline); each snapshot entry is a
     * relative link ../../blobs/ETAG; a blob's name is the served bytes' SHA-256 (LFS) or git
     * blob SHA-1 (small files), computed here by the JDK from their definitions.
     */
    @Test
    void theCacheIsLaidOutAsHuggingFaceHubLaysItOut() throws IOException {
        HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0).snapshot(ID);
        assertArrayEquals(FakeHub.COMMIT.getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(repoDir().resolve("refs/main")));
        for (String file : NEEDED) {
            byte[] served = hub.content(file);
            String etag = file.equals("model.safetensors") ? FakeHub.sha256(served) : FakeHub.gitBlobSha1(served);
            assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(snapshot().resolve(file)), file);
            assertArrayEquals(served, Files.readAllBytes(repoDir().resolve("blobs").resolve(etag)), file);
            assertTrue(Files.isRegularFile(cache.resolve(".locks/models--acme--tiny-neo/" + etag + ".lock")), file);
        }
        try (Stream<Path> blobs = Files.list(repoDir().resolve("blobs"))) {
            assertEquals(NEEDED.size(), blobs.filter(b -> !b.toString().endsWith(".incomplete")).count());
        }
        // The cache directory tag standard (https://bford.info/cachedir/): its first 43 bytes are fixed.
        assertTrue(Files.readString(cache.resolve("CACHEDIR.TAG")).startsWith("Signature: 8a477f597d28d172789f06886806bc55"));
    }

    @Test
    void aCutTransferIsResumedWithRangeAndVerified() throws IOException {
        hub.cutOnce("model.safetensors", 1_000_000);
        HubFixtures.downloader(HubFixtures.online(hub, cache, null), 3).snapshot(ID);
        List<FakeHub.Request> blobGets = hub.requests().stream().filter(r -> r.path().startsWith("/blobs/")).toList();
        assertEquals(2, blobGets.size(), blobGets.toString());
        assertNull(blobGets.get(0).range());
        assertResumedWithin(blobGets.get(1).range(), 1_000_000);
        assertArrayEquals(hub.content("model.safetensors"), Files.readAllBytes(snapshot().resolve("model.safetensors")));
        HubFixtures.assertLoadsTinyGptNeo(REPO, HubFixtures.downloader(HubFixtures.offline(cache), 0));
    }

    /** A connection that goes silent mid-body is given up after the stall timeout and resumed. */
    @Test
    void aStalledTransferIsAbandonedAndResumed() throws IOException {
        hub.stallOnce("model.safetensors", 2_000_000);
        HubSettings settings = HubFixtures.online(hub, cache, null).withStallTimeout(java.time.Duration.ofMillis(300));
        HubFixtures.downloader(settings, 3).snapshot(ID);
        List<FakeHub.Request> blobGets = hub.requests().stream().filter(r -> r.path().startsWith("/blobs/")).toList();
        assertEquals(2, blobGets.size(), blobGets.toString());
        assertResumedWithin(blobGets.get(1).range(), 2_000_000);
        assertArrayEquals(hub.content("model.safetensors"), Files.readAllBytes(snapshot().resolve("model.safetensors")));
    }

    /**
     * A resumed GET asks for {@code bytes=N-}: N above 0 (what was received is kept) and at most
     * what the fake sent before the cut (a connection reset may lose its last packets).
     */
    private static void assertResumedWithin(String range, long sent) {
        assertTrue(range != null && range.matches("bytes=[0-9]+-"), String.valueOf(range));
        long from = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
        assertTrue(from > 0 && from <= sent, range);
    }

    @Test
    void aLaterRunResumesWhatAnEarlierOneLeft() throws IOException {
        hub.cutOnce("model.safetensors", 1_000_000);
        HubException cut = assertThrows(HubException.class,
                () -> HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0).snapshot(ID));
        assertTrue(cut.getMessage().startsWith(REPO + ": model.safetensors: the download failed 1 times at "),
                cut.getMessage());
        assertTrue(cut.getMessage().contains("run again to resume"), cut.getMessage());
        Path incomplete = repoDir().resolve("blobs/" + hub.etag("model.safetensors") + ".incomplete");
        long kept = Files.size(incomplete); // what reached the disk before the cut: up to the 1,000,000 bytes sent
        assertTrue(kept > 0 && kept <= 1_000_000, "kept " + kept);
        assertFalse(Files.exists(snapshot().resolve("model.safetensors"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(repoDir().resolve("refs/main")), "a ref is written once the snapshot is complete");

        HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0).snapshot(ID);
        assertEquals("bytes=" + kept + "-", hub.requests().stream().filter(r -> r.path().startsWith("/blobs/")).toList()
                .getLast().range());
        assertFalse(Files.exists(incomplete));
        assertArrayEquals(hub.content("model.safetensors"), Files.readAllBytes(snapshot().resolve("model.safetensors")));
    }

    @Test
    void aCorruptedLfsFileIsRefusedAndNotPlaced() {
        hub.corrupt("model.safetensors");
        String etag = hub.etag("model.safetensors");
        HubException e = assertThrows(HubException.class,
                () -> HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0).snapshot(ID));
        assertTrue(e.getMessage().startsWith(REPO + ": model.safetensors: checksum mismatch (SHA-256 expected " + etag
                + ", got "), e.getMessage());
        assertFalse(Files.exists(repoDir().resolve("blobs/" + etag)));
        assertFalse(Files.exists(repoDir().resolve("blobs/" + etag + ".incomplete")));
        assertFalse(Files.exists(snapshot().resolve("model.safetensors"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(repoDir().resolve("refs/main")));
    }

    /** config.json is the first file fetched: corrupt, it leaves nothing at all in snapshots/. */
    @Test
    void aCorruptedSmallFileFailsItsGitBlobIdAndLeavesNoSnapshot() throws IOException {
        hub.corrupt("config.json");
        HubException e = assertThrows(HubException.class,
                () -> HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0).snapshot(ID));
        assertTrue(e.getMessage().startsWith(REPO + ": config.json: checksum mismatch (git blob SHA-1 expected "
                + hub.etag("config.json")), e.getMessage());
        Path snapshots = repoDir().resolve("snapshots");
        try (Stream<Path> all = Files.exists(snapshots) ? Files.walk(snapshots) : Stream.empty()) {
            assertEquals(List.of(), all.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList());
        }
    }

    @Test
    void offlineWithTheModelCachedMakesNoRequest() throws IOException {
        HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0).snapshot(ID);
        int before = hub.requests().size();
        HubDownloader offline = HubFixtures.downloader(HubFixtures.offline(cache), 0);
        assertEquals(snapshot(), offline.snapshot(ID));
        assertEquals(snapshot(), offline.download(ID));
        assertEquals(before, hub.requests().size());
    }

    @Test
    void offlineWithoutTheModelSaysWhereItLookedAndHowToGetIt() {
        HubDownloader offline = HubFixtures.downloader(new HubSettings(hub.endpoint(), cache, null, true,
                HubSettings.DEFAULT_STALL_TIMEOUT), 0);
        HubException e = assertThrows(HubException.class, () -> offline.snapshot(ID));
        assertEquals(REPO + " is not in the Hugging Face cache (" + cache + "), and HF_HUB_OFFLINE=1 forbids downloading"
                + " it: run ./gptneo download " + REPO + " with network access", e.getMessage());
        HubException defaultModel = assertThrows(HubException.class,
                () -> offline.snapshot(HubModelId.parse(HubModelId.DEFAULT_MODEL)));
        assertTrue(defaultModel.getMessage().endsWith(
                "run ./gptneo download EleutherAI/gpt-neo-125m with network access, or use --model synthetic:125m,"
                        + " which needs no download"), defaultModel.getMessage());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void downloadAsksTheHubForTheCurrentCommitEvenWhenCached() throws IOException {
        HubDownloader downloader = HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0);
        downloader.snapshot(ID);
        int before = hub.requests().size();
        assertEquals(snapshot(), downloader.download(ID));
        List<FakeHub.Request> asked = hub.requests().subList(before, hub.requests().size());
        assertEquals(List.of("/api/models/acme/tiny-neo/revision/main"), asked.stream().map(FakeHub.Request::path).toList());
    }

    @Test
    void aGatedRepoWithoutATokenSaysToSetHfToken() {
        hub.requireToken("hf_secret");
        HubException e = assertThrows(HubException.class,
                () -> HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0).snapshot(ID));
        assertEquals(REPO + " is gated: accept its conditions on its Hub page, then set HF_TOKEN to a token with access"
                + " (https://huggingface.co/settings/tokens)", e.getMessage());
    }

    /** The token reaches the Hub, and is dropped on the redirect to the blob server on another origin. */
    @Test
    void theTokenGoesToTheHubAndNotAcrossARedirect() throws IOException {
        hub.requireToken("hf_secret");
        HubFixtures.downloader(HubFixtures.online(hub, cache, "hf_secret"), 0).snapshot(ID);
        for (FakeHub.Request request : hub.requests()) {
            assertEquals(request.path().startsWith("/blobs/") ? null : "Bearer hf_secret", request.authorization(),
                    request.path());
        }
        assertTrue(hub.requests().stream().anyMatch(r -> r.path().startsWith("/blobs/")));
    }

    @Test
    void theTokenIsNeverSentOverPlainHttpToAnotherMachine() {
        HubSettings plaintext = new HubSettings(java.net.URI.create("http://hub.example"), cache, "hf_secret", false,
                HubSettings.DEFAULT_STALL_TIMEOUT);
        HubException e = assertThrows(HubException.class, () -> HubFixtures.downloader(plaintext, 0).snapshot(ID));
        assertEquals("refusing to send HF_TOKEN over plain http to hub.example: use an https HF_ENDPOINT, or unset HF_TOKEN",
                e.getMessage());
    }

    /** A redirect may only lead to http(s): never to a local file. */
    @Test
    void aRedirectToAFileUrlIsRefused() {
        hub.redirectLfsTo("file:///etc/passwd");
        HubException e = assertThrows(HubException.class,
                () -> HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0).snapshot(ID));
        assertTrue(e.getMessage().startsWith("refusing the redirect from " + hub.endpoint() + "/acme/tiny-neo/resolve/"
                + FakeHub.COMMIT + "/model.safetensors to 'file:///etc/passwd': not an http(s) URL"), e.getMessage());
    }

    @Test
    void anUnknownRepoOrRevisionIsNamed() {
        HubDownloader downloader = HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0);
        HubException repo = assertThrows(HubException.class, () -> downloader.snapshot(HubModelId.parse("acme/nope")));
        assertTrue(repo.getMessage().startsWith("acme/nope: no such model on the Hub, or it is gated or private: check the"
                + " name, or set HF_TOKEN"), repo.getMessage());
        HubException revision = assertThrows(HubException.class, () -> downloader.snapshot(HubModelId.parse(REPO + "@v9")));
        assertTrue(revision.getMessage().startsWith(REPO + ": no revision 'v9' on the Hub"), revision.getMessage());
    }

    @Test
    void aHubThatCannotBeReachedIsNamedWithWhatToDo() throws IOException {
        java.net.URI endpoint = hub.endpoint();
        hub.close();
        HubSettings gone = new HubSettings(endpoint, cache, null, false, HubSettings.DEFAULT_STALL_TIMEOUT);
        HubException e = assertThrows(HubException.class, () -> HubFixtures.downloader(gone, 0).snapshot(ID));
        assertTrue(e.getMessage().startsWith("cannot reach the Hub at " + endpoint + "/api/models/acme/tiny-neo/revision/main"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("set HF_HUB_OFFLINE=1 to use only what is in the cache"), e.getMessage());
    }
}
