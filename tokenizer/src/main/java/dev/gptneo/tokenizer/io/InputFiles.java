package dev.gptneo.tokenizer.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opening the files of a model folder, which may be broken or hostile: only regular files (a FIFO
 * named {@code config.json} would block the loader forever, a device would be read without end),
 * no more bytes than a limit, and text that is exactly UTF-8. Every error names the file. The
 * tokenizer's files and the model's checkpoint files are read through here.
 */
public final class InputFiles {

    private InputFiles() {
    }

    /**
     * Refuses anything but an existing regular file (symbolic links are followed: Hugging Face's
     * cache links a snapshot's files to its blobs).
     *
     * @throws IOException "FILE: missing" or "FILE: not a regular file"
     */
    public static void requireRegularFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException(file + ": missing");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file (a folder, FIFO or device cannot be loaded)");
        }
    }

    /**
     * The whole of a regular file of at most {@code maxBytes} bytes, decoded as strict UTF-8.
     *
     * @throws IOException naming the file: missing, not a regular file, too large, not UTF-8, unreadable
     */
    public static String readText(Path file, long maxBytes) throws IOException {
        requireRegularFile(file);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            // One byte past the limit tells a file at the limit from a larger one.
            bytes = in.readNBytes(Math.toIntExact(Math.min(maxBytes + 1, Integer.MAX_VALUE - 8)));
        } catch (IOException e) {
            throw new IOException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        if (bytes.length > maxBytes) {
            throw new IOException(file + ": larger than the " + maxBytes + " bytes this loader reads");
        }
        return decodeUtf8(bytes, file.toString());
    }

    /**
     * {@code bytes} decoded as UTF-8, refusing malformed sequences rather than replacing them (a
     * replaced byte would silently change a token or a tensor name).
     *
     * @param source what the bytes are, for the message
     * @throws IOException "SOURCE: not valid UTF-8 (byte N)"
     */
    public static String decodeUtf8(byte[] bytes, String source) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            throw new IOException(source + ": not valid UTF-8 (byte " + in.position() + ")");
        }
        decoder.flush(out);
        return out.flip().toString();
    }
}
