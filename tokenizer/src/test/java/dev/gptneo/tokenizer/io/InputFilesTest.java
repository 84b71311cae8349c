package dev.gptneo.tokenizer.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file is read whole only up to its limit: a larger one is refused before it is held in memory. */
class InputFilesTest {

    @TempDir
    Path dir;

    @Test
    void aFileAtTheLimitIsReadAndALargerOneRefused() throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"a\": 1}");
        assertEquals("{\"a\": 1}", InputFiles.readText(file, 8));
        IOException e = assertThrows(IOException.class, () -> InputFiles.readText(file, 7));
        assertEquals(file + ": larger than the 7 bytes this loader reads", e.getMessage());
    }

    @Test
    void aMissingFileIsSaid() {
        IOException e = assertThrows(IOException.class, () -> InputFiles.readText(dir.resolve("none"), 8));
        assertEquals(dir.resolve("none") + ": missing", e.getMessage());
    }
}
