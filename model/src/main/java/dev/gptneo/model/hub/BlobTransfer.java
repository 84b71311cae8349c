package dev.gptneo.model.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;

/**
 * Brings one file's content into {@code blobs/ETAG}: written to {@code blobs/ETAG.incomplete},
 * resumed with {@code Range} after a cut (a few times in one run, backing off; a later run
 * resumes too), checked against its size and etag, and only then renamed into place, so that
 * nothing half-written or corrupt ever has a blob's name. One download of a blob at a time, in
 * any number of processes ({@link BlobLock}).
 */
final class BlobTransfer {

    private static final System.Logger LOG = System.getLogger(BlobTransfer.class.getName());
    private static final int BUFFER = 1 << 20;

    private final HubClient client;
    private final HubCache cache;
    private final DownloadProgress progress;
    private final int maxRetries;
    private final Duration firstBackoff;

    /**
     * @param maxRetries how many cuts in a row, with no byte gained between them, end the run
     * @param firstBackoff the wait after the first cut, doubled after each further one
     */
    BlobTransfer(HubClient client, HubCache cache, DownloadProgress progress, int maxRetries, Duration firstBackoff) {
        this.client = client;
        this.cache = cache;
        this.progress = progress;
        this.maxRetries = maxRetries;
        this.firstBackoff = firstBackoff;
    }

    /** Makes {@code blobs/ETAG} hold {@code file}'s verified content, downloading what is missing. */
    void fetch(HubModelId id, String file, HubClient.FileMetadata metadata) throws IOException {
        Path blob = cache.blob(id, metadata.etag());
        try (BlobLock lock = BlobLock.acquire(cache.lockFile(id, metadata.etag()))) {
            if (Files.isRegularFile(blob)) {
                return; // another process fetched it while this one waited
            }
            Path incomplete = cache.incomplete(id, metadata.etag());
            Files.createDirectories(incomplete.getParent());
            long have = Files.isRegularFile(incomplete) ? Files.size(incomplete) : 0;
            if (have > metadata.size()) {
                have = 0; // not a prefix of this file: start over
                Files.write(incomplete, new byte[0]);
            }
            requireSpace(incomplete.getParent(), metadata.size() - have);
            progress.started(file, metadata.size(), have);
            transferWithRetries(id, file, metadata, incomplete, have);
            try {
                BlobDigest.verify(id, file, incomplete, metadata.etag());
            } catch (HubException mismatch) {
                Files.deleteIfExists(incomplete);
                throw mismatch;
            }
            Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE);
            progress.finished(file, metadata.size());
        }
    }

    private void transferWithRetries(HubModelId id, String file, HubClient.FileMetadata metadata, Path incomplete,
            long have) throws IOException {
        int failures = 0;
        long done = have;
        while (!(done == metadata.size() && Files.isRegularFile(incomplete))) {
            long before = done;
            try {
                done = transferOnce(id, file, metadata, incomplete, done);
            } catch (IOException cut) {
                done = Files.isRegularFile(incomplete) ? Files.size(incomplete) : 0;
                failures = done > before ? 1 : failures + 1;
                if (failures > maxRetries) {
                    throw new HubException(id + ": " + file + ": the download failed " + failures + " times at "
                            + ByteSize.format(done) + " of " + ByteSize.format(metadata.size()) + " ("
                            + cut.getMessage() + "); run again to resume, or " + HubErrors.OFFLINE_ADVICE, cut);
                }
                Duration wait = firstBackoff.multipliedBy(1L << Math.min(failures - 1, 5));
                LOG.log(System.Logger.Level.WARNING, String.format(Locale.ROOT, "%s: %s at %s of %s; resuming in %d ms",
                        file, cut.getMessage(), ByteSize.format(done), ByteSize.format(metadata.size()), wait.toMillis()));
                sleep(wait);
            }
        }
    }

    /**
     * One GET from {@code have} on, appended to the incomplete file.
     *
     * @return the bytes the incomplete file holds after it
     * @throws IOException for a cut, a stall or a transient answer: worth resuming
     */
    private long transferOnce(HubModelId id, String file, HubClient.FileMetadata metadata, Path incomplete, long have)
            throws IOException {
        try (HubClient.Body body = client.get(id, file, metadata.location(), have)) {
            long done = have;
            boolean append = true;
            if (have > 0 && body.status() == 200) {
                done = 0; // the server ignored the Range: it sends the whole file
                append = false;
            } else if (have > 0 && !contentRangeStartsAt(body, have)) {
                throw new HubException(id + ": " + file + ": asked for bytes from " + have + " on, the Hub sent "
                        + body.headers().firstValue("Content-Range").orElse("no Content-Range") + "; refused");
            }
            try (OutputStream out = Files.newOutputStream(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                InputStream in = body.stream();
                byte[] buffer = new byte[BUFFER];
                for (int n = read(in, buffer); n >= 0; n = read(in, buffer)) {
                    if (done + n > metadata.size()) {
                        Files.deleteIfExists(incomplete);
                        throw new HubException(id + ": " + file + ": the Hub sent more than the "
                                + metadata.size() + " bytes it announced; the download was deleted");
                    }
                    write(out, buffer, n, incomplete, metadata.size() - done);
                    done += n;
                    progress.transferred(file, done, metadata.size());
                }
            }
            if (done < metadata.size()) {
                throw new IOException("the connection ended after " + done + " of " + metadata.size() + " bytes");
            }
            return done;
        }
    }

    /** A read, a failure said as the broken connection it is (the JDK says only "closed"). */
    private static int read(InputStream in, byte[] buffer) throws IOException {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw new IOException("the connection broke (" + e.getMessage() + ")", e);
        }
    }

    private static boolean contentRangeStartsAt(HubClient.Body body, long start) {
        String range = body.headers().firstValue("Content-Range").orElse("");
        return body.status() == 206 && range.startsWith("bytes " + start + "-");
    }

    /** A write, with a full disk said as such (the JDK says only "No space left on device"). */
    private static void write(OutputStream out, byte[] buffer, int n, Path incomplete, long remaining) throws IOException {
        try {
            out.write(buffer, 0, n);
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("No space left")) {
                throw diskFull(incomplete.getParent(), remaining, e);
            }
            throw e;
        }
    }

    /** Refuses up front a download the disk cannot hold, instead of failing after hours. */
    private static void requireSpace(Path dir, long needed) throws IOException {
        FileStore store = Files.getFileStore(dir);
        if (store.getUsableSpace() < needed) {
            throw diskFull(dir, needed, null);
        }
    }

    private static HubException diskFull(Path dir, long needed, IOException cause) {
        return new HubException("disk full: need " + ByteSize.format(needed) + " in " + dir
                + " (free some space, or set HF_HUB_CACHE to another disk)", cause);
    }

    private static void sleep(Duration wait) throws IOException {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
