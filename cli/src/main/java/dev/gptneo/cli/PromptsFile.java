package dev.gptneo.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The JSON lines of {@code generate --prompts-file}: a file, or stdin for {@code -}. It is read
 * twice, once to check every line before anything runs and once to run them, so that memory does
 * not grow with the file; stdin is first copied to a temporary file (deleted on close) for that.
 * Blank lines are skipped (a trailing empty line or a gap between prompts is no reason to refuse
 * a run), but counted in line numbers, so that those match an editor's.
 */
final class PromptsFile implements AutoCloseable {

    /** One non-blank line: where it is ({@code FILE:LINE}, for messages) and its text. */
    record Line(String where, String text) {
    }

    /** What to do with each line. */
    interface LineAction {
        void accept(Line line) throws IOException;
    }

    private final String name;
    private final Path path;
    private final boolean temporary;

    private PromptsFile(String name, Path path, boolean temporary) {
        this.name = name;
        this.path = path;
        this.temporary = temporary;
    }

    /** {@code given} is a path, or {@code -} for {@code stdin}, which is read to its end now. */
    static PromptsFile open(String given, InputStream stdin) throws IOException {
        if (!given.equals("-")) {
            PromptsFile file = new PromptsFile(given, Path.of(given), false);
            file.reader().close(); // a missing file is named now, not after the model has loaded
            return file;
        }
        Path copy = Files.createTempFile("gptneo-prompts-", ".jsonl");
        copy.toFile().deleteOnExit(); // also when Ctrl-C ends the JVM before close
        try {
            Files.copy(stdin, copy, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.delete(copy);
            throw e;
        }
        return new PromptsFile("stdin", copy, true);
    }

    /** Runs {@code action} on every non-blank line, in order, and returns how many there were. */
    int forEach(LineAction action) throws IOException {
        int count = 0;
        int number = 0;
        try (BufferedReader reader = reader()) {
            for (String text = readLine(reader, number + 1); text != null; text = readLine(reader, number + 1)) {
                number++;
                if (number == 1 && text.startsWith("\uFEFF")) {
                    text = text.substring(1); // a byte order mark, which some editors write and JSON forbids
                }
                if (!text.isBlank()) {
                    action.accept(new Line(name + ":" + number, text));
                    count++;
                }
            }
        }
        return count;
    }

    private BufferedReader reader() throws IOException {
        if (Files.isDirectory(path)) {
            throw new IOException(name + ": is a folder, not a file of prompts");
        }
        try {
            return Files.newBufferedReader(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException(name + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException(name + ": permission denied", e);
        }
    }

    private String readLine(BufferedReader reader, int number) throws IOException {
        try {
            return reader.readLine();
        } catch (CharacterCodingException e) {
            throw new IOException(name + ":" + number + ": not UTF-8 text", e);
        } catch (IOException e) {
            throw new IOException(name + ":" + number + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        if (temporary) {
            Files.deleteIfExists(path);
        }
    }
}
