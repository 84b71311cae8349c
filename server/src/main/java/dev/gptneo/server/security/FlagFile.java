package dev.gptneo.server.security;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A file named by a command-line flag: read whole, or refused in one line naming both. */
final class FlagFile {

    private FlagFile() {
    }

    /** @throws IllegalArgumentException "FLAG PATH: no such file" and the like */
    static byte[] read(String flag, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw problem(flag, file, "no such file");
        } catch (AccessDeniedException e) {
            throw problem(flag, file, "permission denied");
        } catch (IOException e) {
            throw problem(flag, file, "cannot read it (" + e.getMessage() + ")");
        }
    }

    static IllegalArgumentException problem(String flag, Path file, String what) {
        return new IllegalArgumentException(flag + " " + file + ": " + what);
    }
}
