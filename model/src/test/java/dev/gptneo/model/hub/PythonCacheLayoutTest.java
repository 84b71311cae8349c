package dev.gptneo.model.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gptneo.model.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model that Python tools downloaded is used as they left it. The cache here is laid out by
 * hand, by huggingface_hub's documented rules (its {@code file_download.py} and the cache guide):
 * {@code refs/main} holding the commit, {@code blobs/} named by SHA-256 (LFS) or git blob SHA-1,
 * {@code snapshots/COMMIT/} of relative links into {@code ../../blobs/} — one {@code ../} more for
 * a file in a subfolder, here a shard of a sharded checkpoint.
 */
class PythonCacheLayoutTest {

    private static final String COMMIT = "b2c4e6a8d0f2b4c6e8a0d2f4b6c8e0a2d4f6b8c0";
    private static final String SHARD = "weights/model-00001-of-00001.safetensors";

    @TempDir
    Path cache;

    @Test
    void aCacheLaidOutAsHuggingFaceHubLaysItOutLoadsWithoutARequest() throws IOException {
        layOutAsHuggingFaceHub();
        HubFixtures.assertLoadsTinyGptNeo(HubFixtures.REPO, HubFixtures.downloader(HubFixtures.offline(cache), 0));
        try (FakeHub hub = FakeHub.tinyGptNeo(HubFixtures.REPO)) {
            HubFixtures.assertLoadsTinyGptNeo(HubFixtures.REPO,
                    HubFixtures.downloader(HubFixtures.online(hub, cache, null), 0));
            assertEquals(List.of(), hub.requests());
        }
    }

    /** The same snapshot named by its commit instead of a branch: no refs/ file is read. */
    @Test
    void aCommitRevisionNeedsNoRef() throws IOException {
        layOutAsHuggingFaceHub();
        Files.delete(cache.resolve("models--acme--tiny-neo/refs/main"));
        HubFixtures.assertLoadsTinyGptNeo(HubFixtures.REPO + "@" + COMMIT,
                HubFixtures.downloader(HubFixtures.offline(cache), 0));
    }

    private void layOutAsHuggingFaceHub() throws IOException {
        Path fixture = Fixtures.checkpoint("tiny-gpt-neo");
        Path repo = cache.resolve("models--acme--tiny-neo");
        byte[] weights = Files.readAllBytes(fixture.resolve("model.safetensors"));
        place(repo, "config.json", Files.readAllBytes(fixture.resolve("config.json")), false);
        place(repo, "model.safetensors.index.json", index(weights), false);
        place(repo, SHARD, weights, true);
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT, StandardCharsets.US_ASCII);
    }

    /** {@code blobs/ETAG} and {@code snapshots/COMMIT/FILE -> ../../blobs/ETAG} ({@code ../} per folder of FILE). */
    private static void place(Path repo, String file, byte[] content, boolean lfs) throws IOException {
        String etag = lfs ? FakeHub.sha256(content) : FakeHub.gitBlobSha1(content);
        Files.createDirectories(repo.resolve("blobs"));
        Files.write(repo.resolve("blobs").resolve(etag), content);
        Path pointer = repo.resolve("snapshots").resolve(COMMIT).resolve(file);
        Files.createDirectories(pointer.getParent());
        String up = "../".repeat(file.split("/").length + 1);
        Files.createSymbolicLink(pointer, Path.of(up + "blobs/" + etag));
    }

    /** An index putting every tensor of the safetensors file (its header read by the format's spec) in {@link #SHARD}. */
    private static byte[] index(byte[] safetensors) {
        long headerLength = ByteBuffer.wrap(safetensors, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(safetensors, 8, (int) headerLength, StandardCharsets.UTF_8))
                .getAsJsonObject();
        JsonObject weightMap = new JsonObject();
        header.keySet().stream().filter(name -> !name.equals("__metadata__")).forEach(name -> weightMap.addProperty(name, SHARD));
        JsonObject index = new JsonObject();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("total_size", safetensors.length - 8 - headerLength);
        index.add("metadata", metadata);
        index.add("weight_map", weightMap);
        return index.toString().getBytes(StandardCharsets.UTF_8);
    }
}
