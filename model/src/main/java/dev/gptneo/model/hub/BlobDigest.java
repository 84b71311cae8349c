package dev.gptneo.model.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Whether a downloaded file is the one its etag names. The Hub's etag is a content hash: an LFS
 * file's SHA-256 (64 hex digits), a small file's git blob id (40: the SHA-1 of
 * {@code "blob " + size + "\0" + content}). Any other etag (a mirror's own) is checked by size alone.
 */
final class BlobDigest {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern GIT_SHA1 = Pattern.compile("[0-9a-f]{40}");

    private BlobDigest() {
    }

    /**
     * @throws HubException naming the file, the digest expected and the one found
     */
    static void verify(HubModelId id, String file, Path content, String etag) throws IOException {
        boolean lfs = SHA256.matcher(etag).matches();
        if (!lfs && !GIT_SHA1.matcher(etag).matches()) {
            return;
        }
        MessageDigest digest = digest(lfs ? "SHA-256" : "SHA-1");
        if (!lfs) {
            digest.update(("blob " + Files.size(content) + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        try (InputStream in = Files.newInputStream(content)) {
            byte[] buffer = new byte[1 << 20];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(etag)) {
            throw new HubException(id + ": " + file + ": checksum mismatch (" + (lfs ? "SHA-256" : "git blob SHA-1")
                    + " expected " + etag + ", got " + actual + "); the download was deleted, run again to fetch it anew");
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is a digest every JDK has", e);
        }
    }
}
