package dev.gptneo.server.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.logging.Logger;

/**
 * The bearer tokens the server accepts ({@code --auth-token-file}): one a line, surrounding
 * whitespace trimmed, blank lines and lines starting with {@code #} ignored.
 *
 * <p>The file is re-read when it changes, so tokens can be added and revoked without a restart:
 * each check compares the file's modification time, size and identity (a file renamed over it is
 * a new one) with those of the last read. A re-read that fails (the file is gone, unreadable or
 * holds no token) keeps the tokens read before and logs one line, once for that state of the file.
 *
 * <p>Only the tokens' SHA-256 hashes are kept, and a presented token is compared with every one
 * by {@link MessageDigest#isEqual}: equal-length digests, compared in constant time, so neither a
 * token's bytes nor its length can be learnt from how long a refusal takes. Tokens are never logged.
 */
public final class TokenFile {

    static final String FLAG = "--auth-token-file";
    private static final Logger LOG = Logger.getLogger(TokenFile.class.getName());

    private final Path path;
    private volatile Snapshot snapshot;

    private TokenFile(Path path, Snapshot first) {
        this.path = path;
        this.snapshot = first;
    }

    /**
     * Reads the file for the first time.
     *
     * @throws IllegalArgumentException naming the flag and file, when it cannot be read or holds no token
     */
    public static TokenFile load(Path path) {
        Stamp stamp = Stamp.of(path);
        return new TokenFile(path, new Snapshot(stamp, hashes(tokens(path))));
    }

    /**
     * The file's tokens, in order: for a client that sends the first.
     *
     * @throws IllegalArgumentException naming the flag and file, when it cannot be read or holds no token
     */
    public static List<String> tokens(Path path) {
        List<String> tokens = new String(FlagFile.read(FLAG, path), StandardCharsets.UTF_8).lines()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .toList();
        if (tokens.isEmpty()) {
            throw FlagFile.problem(FLAG, path, "holds no token (one a line; blank lines and # comments are ignored)");
        }
        return tokens;
    }

    /** Whether {@code token} is one of the file's, as it is now. */
    public boolean accepts(String token) {
        byte[] presented = sha256(token);
        boolean accepted = false;
        for (byte[] known : current().hashes()) {
            accepted |= MessageDigest.isEqual(presented, known);
        }
        return accepted;
    }

    /** The tokens of the file's present state, re-read if it has changed since the last look. */
    private Snapshot current() {
        Stamp now = Stamp.of(path);
        if (now.equals(snapshot.stamp())) {
            return snapshot;
        }
        synchronized (this) {
            Snapshot last = snapshot;
            if (!now.equals(last.stamp())) {
                snapshot = reread(now, last);
            }
            return snapshot;
        }
    }

    private Snapshot reread(Stamp now, Snapshot last) {
        try {
            Snapshot read = new Snapshot(now, hashes(tokens(path)));
            LOG.info(FLAG + " " + path + " re-read: " + read.hashes().size() + " tokens");
            return read;
        } catch (IllegalArgumentException e) {
            LOG.warning(e.getMessage() + "; still accepting the " + last.hashes().size() + " tokens read before");
            return new Snapshot(now, last.hashes());
        }
    }

    private static List<byte[]> hashes(List<String> tokens) {
        return tokens.stream().map(TokenFile::sha256).toList();
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The tokens' hashes as read when the file looked like {@code stamp}. */
    private record Snapshot(Stamp stamp, List<byte[]> hashes) {
    }

    /**
     * What tells one state of the file from another without reading it; a file that cannot be
     * looked at is a state of its own, told apart by the reason.
     */
    private record Stamp(FileTime modified, long size, Object identity, String failure) {
        static Stamp of(Path path) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey(), null);
            } catch (IOException e) {
                return new Stamp(null, -1, null, e.toString());
            }
        }
    }
}
