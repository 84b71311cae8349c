package dev.gptneo.model.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The Hugging Face hub cache, laid out exactly as huggingface_hub lays it out (its
 * {@code file_download.py}), so that each side uses what the other downloaded:
 *
 * <pre>
 * CACHE/models--ORG--NAME/
 *   refs/REVISION               the commit hash the revision pointed to, 40 hex digits, no newline
 *   blobs/ETAG                  a file's content, named by its etag: the git blob SHA-1 of a small
 *                               file, the SHA-256 of an LFS one
 *   blobs/ETAG.incomplete       a download under way or interrupted, resumed from where it stopped
 *   snapshots/COMMIT/PATH       relative symbolic links to ../../blobs/ETAG (a ../ more per folder in PATH)
 * CACHE/.locks/models--ORG--NAME/ETAG.lock   held while a blob is downloaded
 * </pre>
 *
 * Every name that comes from the Hub (a file's path, an etag) is checked before it becomes a
 * path, so that none can point outside the repo's folder.
 */
public final class HubCache {

    /** What an etag may be to name a blob: hex digests in practice; never a path separator or a dot-name. */
    /** The standard's signature line, then huggingface_hub's own words, so both tools write the same file. */
    private static final String CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n"
            + "# This file is a cache directory tag created by huggingface_hub.\n"
            + "# For information about cache directory tags, see:\n"
            + "#\thttps://bford.info/cachedir/\n";
    private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final Path root;

    public HubCache(Path root) {
        this.root = root;
    }

    /** The cache folder, holding {@code models--ORG--NAME/} folders. */
    public Path root() {
        return root;
    }

    /** {@code CACHE/models--ORG--NAME}. */
    public Path repoDir(HubModelId id) {
        return root.resolve(id.cacheFolderName());
    }

    /**
     * The commit the id's revision names in the cache: a full commit hash is one itself;
     * otherwise {@code refs/REVISION}'s content, if that file exists and holds one.
     */
    public Optional<String> commitOf(HubModelId id) throws IOException {
        if (HubModelId.isCommit(id.revision())) {
            return Optional.of(id.revision());
        }
        Path ref = refFile(id);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        String commit = Files.readString(ref, StandardCharsets.US_ASCII).strip();
        return HubModelId.isCommit(commit) ? Optional.of(commit) : Optional.empty();
    }

    /** {@code snapshots/COMMIT}: the folder a model is loaded from. */
    public Path snapshotDir(HubModelId id, String commit) {
        if (!HubModelId.isCommit(commit)) {
            throw new HubException(id + ": the Hub named commit '" + commit + "', which is not 40 hex digits");
        }
        return repoDir(id).resolve("snapshots").resolve(commit);
    }

    /** {@code snapshots/COMMIT/PATH}, refusing a path that would leave the snapshot. */
    public Path pointer(HubModelId id, String commit, String file) {
        return snapshotDir(id, commit).resolve(RepoPath.require(file, id));
    }

    /** {@code blobs/ETAG}: a file's verified content. */
    public Path blob(HubModelId id, String etag) {
        return repoDir(id).resolve("blobs").resolve(requireEtag(id, etag));
    }

    /** {@code blobs/ETAG.incomplete}: where a blob is written until it is complete and verified. */
    public Path incomplete(HubModelId id, String etag) {
        Path blob = blob(id, etag);
        return blob.resolveSibling(blob.getFileName() + ".incomplete");
    }

    /** {@code .locks/models--ORG--NAME/ETAG.lock}, as huggingface_hub names its per-blob locks. */
    public Path lockFile(HubModelId id, String etag) {
        return root.resolve(".locks").resolve(id.cacheFolderName()).resolve(requireEtag(id, etag) + ".lock");
    }

    /**
     * Points {@code snapshots/COMMIT/PATH} at {@code blobs/ETAG} with a relative link (the cache
     * can be moved), replacing what was there in one rename: a reader sees the old link or the
     * new one, never none.
     */
    public Path link(HubModelId id, String commit, String file, String etag) throws IOException {
        tagAsCache();
        Path pointer = pointer(id, commit, file);
        Path blob = blob(id, etag);
        Files.createDirectories(pointer.getParent());
        Path target = pointer.getParent().relativize(blob);
        Path temporary = pointer.resolveSibling(pointer.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.createSymbolicLink(temporary, target);
        try {
            Files.move(temporary, pointer, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
        return pointer;
    }

    /**
     * Records that the id's revision is {@code commit} ({@code refs/REVISION}), written through a
     * temporary file and a rename so that no reader sees half a hash. Nothing for a revision that
     * is a commit already, nor when the file holds it already (the cache may be read-only then).
     */
    public void writeRef(HubModelId id, String commit) throws IOException {
        if (id.revision().equals(commit) || commitOf(id).filter(commit::equals).isPresent()) {
            return;
        }
        Path ref = refFile(id);
        Files.createDirectories(ref.getParent());
        Path temporary = ref.resolveSibling(ref.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.writeString(temporary, commit, StandardCharsets.US_ASCII);
        try {
            Files.move(temporary, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * Marks the cache's root with {@code CACHEDIR.TAG} (https://bford.info/cachedir/), as
     * huggingface_hub does, so that backup tools skip gigabytes that can be downloaded again.
     * Written once, when absent; another process writing it at the same time writes the same bytes.
     */
    private void tagAsCache() throws IOException {
        Path tag = root.resolve("CACHEDIR.TAG");
        if (Files.notExists(tag, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(root);
            Files.writeString(tag, CACHEDIR_TAG, StandardCharsets.US_ASCII);
        }
    }

    /** {@code refs/REVISION}; a {@link HubModelId}'s revision cannot leave {@code refs/}. */
    private Path refFile(HubModelId id) {
        return repoDir(id).resolve("refs").resolve(id.revision());
    }

    private static String requireEtag(HubModelId id, String etag) {
        if (etag == null || !ETAG.matcher(etag).matches()) {
            throw new HubException(id + ": the Hub sent the etag '" + etag
                    + "', which cannot name a file in the cache (expected a hex digest)");
        }
        return etag;
    }
}
