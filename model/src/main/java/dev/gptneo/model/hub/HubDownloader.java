package dev.gptneo.model.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A Hub model as a folder to load: the snapshot in the Hugging Face cache, fetched into it when
 * missing. What it fetches is {@link FileSelection}'s choice; how, {@link BlobTransfer}'s.
 *
 * <p>{@link #snapshot} is what loading a model calls: when the cache resolves the revision and its
 * snapshot holds the whole selection, it makes no request at all, so a cached model loads
 * without network and without the Hub seeing it (a branch that moved on is then not noticed;
 * {@link #download} is the way to ask). With {@code HF_HUB_OFFLINE=1} neither ever makes one.
 */
public final class HubDownloader {

    private static final int MAX_RETRIES = 5;
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    private final HubSettings settings;
    private final HubCache cache;
    private final DownloadProgress progress;
    private final int maxRetries;
    private final Duration firstBackoff;

    public HubDownloader(HubSettings settings, DownloadProgress progress) {
        this(settings, progress, MAX_RETRIES, FIRST_BACKOFF);
    }

    /** With the retry policy given: tests resume after a cut without waiting seconds. */
    HubDownloader(HubSettings settings, DownloadProgress progress, int maxRetries, Duration firstBackoff) {
        this.settings = settings;
        this.cache = new HubCache(settings.cacheDir());
        this.progress = progress;
        this.maxRetries = maxRetries;
        this.firstBackoff = firstBackoff;
    }

    /**
     * The snapshot folder of {@code id}: from the cache alone when it is complete there, else
     * (unless offline) after fetching what is missing.
     *
     * @throws HubException offline and not cached, or the Hub's refusal, in one line
     */
    public Path snapshot(HubModelId id) throws IOException {
        Optional<Path> cached = cachedSnapshot(id);
        if (cached.isPresent()) {
            return cached.get();
        }
        if (settings.offline()) {
            throw notCached(id);
        }
        try {
            return fetch(id);
        } catch (HubException e) {
            throw id.repo().equalsIgnoreCase(HubModelId.DEFAULT_MODEL)
                    ? new HubException(e.getMessage() + "; --model synthetic:125m runs without a download", e) : e;
        }
    }

    /**
     * The snapshot folder of {@code id} after asking the Hub which commit its revision is now
     * (a branch moves on) and fetching what that commit's snapshot lacks. Offline, the cache's.
     */
    public Path download(HubModelId id) throws IOException {
        if (settings.offline()) {
            return cachedSnapshot(id).orElseThrow(() -> notCached(id));
        }
        return fetch(id);
    }

    private Optional<Path> cachedSnapshot(HubModelId id) throws IOException {
        Optional<String> commit = cache.commitOf(id);
        if (commit.isEmpty()) {
            return Optional.empty();
        }
        Path dir = cache.snapshotDir(id, commit.get());
        return FileSelection.isComplete(id, dir) ? Optional.of(dir) : Optional.empty();
    }

    private Path fetch(HubModelId id) throws IOException {
        HubClient client = new HubClient(settings);
        HubClient.RevisionInfo info = client.revision(id);
        String commit = info.commit();
        Path snapshot = cache.snapshotDir(id, commit);
        Set<String> listed = Set.copyOf(info.files());
        BlobTransfer transfer = new BlobTransfer(client, cache, progress, maxRetries, firstBackoff);
        for (String file : FileSelection.fromListing(id, listed)) {
            place(client, transfer, id, commit, file);
            if (FileSelection.isIndex(file)) {
                List<String> shards = FileSelection.shards(id, cache.pointer(id, commit, file), listed);
                for (String shard : shards) {
                    place(client, transfer, id, commit, shard);
                }
            }
        }
        cache.writeRef(id, commit); // last: a ref always names a snapshot that has been completed once
        return snapshot;
    }

    /** Links {@code snapshots/COMMIT/FILE} to its blob, fetching the blob if no snapshot has it yet. */
    private void place(HubClient client, BlobTransfer transfer, HubModelId id, String commit, String file)
            throws IOException {
        if (Files.isRegularFile(cache.pointer(id, commit, file))) {
            return;
        }
        HubClient.FileMetadata metadata = client.metadata(id, commit, file);
        if (!metadata.commit().equals(commit)) {
            throw new HubException(id + ": " + file + ": asked for commit " + commit + ", the Hub answered for "
                    + metadata.commit());
        }
        if (!Files.isRegularFile(cache.blob(id, metadata.etag()))) {
            transfer.fetch(id, file, metadata);
        }
        cache.link(id, commit, file, metadata.etag());
    }

    private HubException notCached(HubModelId id) {
        return new HubException(id + " is not in the Hugging Face cache (" + cache.root() + "), and HF_HUB_OFFLINE=1"
                + " forbids downloading it: run ./gptneo download " + id + " with network access"
                + (id.repo().equalsIgnoreCase(HubModelId.DEFAULT_MODEL) ? ", or use --model synthetic:125m, which needs no download" : ""));
    }
}
