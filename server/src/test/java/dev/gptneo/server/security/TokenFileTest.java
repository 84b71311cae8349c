package dev.gptneo.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token file's format, its errors, and its re-reading. */
class TokenFileTest {

    private static final Logger LOG = Logger.getLogger(TokenFile.class.getName());

    @TempDir
    Path dir;

    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureTheLog() {
        LOG.addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        LOG.removeHandler(capture);
    }

    @Test
    void oneTokenALineWithBlankLinesAndCommentsIgnored() throws Exception {
        Path file = write("tokens", "# the ops team\n  alpha-1  \n\n#beta-2\nbeta-2\r\n\t\n");
        assertEquals(List.of("alpha-1", "beta-2"), TokenFile.tokens(file));
        TokenFile tokens = TokenFile.load(file);
        assertTrue(tokens.accepts("alpha-1"));
        assertTrue(tokens.accepts("beta-2"));
        assertFalse(tokens.accepts("#beta-2"), "a comment is no token");
        assertFalse(tokens.accepts("alpha-"), "a prefix is no token");
        assertFalse(tokens.accepts("alpha-12"));
        assertFalse(tokens.accepts(""));
    }

    @Test
    void aFileWithoutTokensOrUnreadableFailsNamingTheFlagAndTheFile() throws Exception {
        Path comments = write("comments", "# nothing yet\n\n");
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> TokenFile.load(comments));
        assertEquals("--auth-token-file " + comments
                + ": holds no token (one a line; blank lines and # comments are ignored)", empty.getMessage());
        Path missing = dir.resolve("missing");
        IllegalArgumentException absent = assertThrows(IllegalArgumentException.class, () -> TokenFile.load(missing));
        assertEquals("--auth-token-file " + missing + ": no such file", absent.getMessage());
        IllegalArgumentException folder = assertThrows(IllegalArgumentException.class, () -> TokenFile.load(dir));
        assertTrue(folder.getMessage().startsWith("--auth-token-file " + dir + ": cannot read it"), folder::getMessage);
    }

    @Test
    void aChangedFileIsReReadSoTokensCanBeAddedAndRevoked() throws Exception {
        Path file = write("tokens", "old-token\n");
        TokenFile tokens = TokenFile.load(file);
        assertTrue(tokens.accepts("old-token"));

        rewrite(file, "new-token\n", 1);
        assertTrue(tokens.accepts("new-token"));
        assertFalse(tokens.accepts("old-token"), "revoked");

        // Replaced by a rename, as deployment tools do: a new file, even with the same size and time.
        Path next = write("tokens.next", "nxt-token\n");
        Files.setLastModifiedTime(next, Files.getLastModifiedTime(file));
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertTrue(tokens.accepts("nxt-token"));
        assertFalse(tokens.accepts("new-token"));
        assertLogged("--auth-token-file " + file + " re-read: 1 tokens", "--auth-token-file " + file + " re-read: 1 tokens");
    }

    @Test
    void aBadReReadKeepsTheTokensReadBeforeAndLogsOneLineWithoutThem() throws Exception {
        Path file = write("tokens", "s3cr3t-token-123\n");
        TokenFile tokens = TokenFile.load(file);

        rewrite(file, "# emptied by mistake\n", 1);
        for (int i = 0; i < 3; i++) {
            assertTrue(tokens.accepts("s3cr3t-token-123"));
            assertFalse(tokens.accepts("# emptied by mistake"));
        }
        Files.delete(file);
        assertTrue(tokens.accepts("s3cr3t-token-123"));
        assertTrue(tokens.accepts("s3cr3t-token-123"));

        assertLogged("--auth-token-file " + file + ": holds no token (one a line; blank lines and # comments are"
                        + " ignored); still accepting the 1 tokens read before",
                "--auth-token-file " + file + ": no such file; still accepting the 1 tokens read before");
        logged.forEach(r -> assertEquals(Level.WARNING, r.getLevel()));

        write("tokens", "back-again\n");
        assertTrue(tokens.accepts("back-again"));
        assertFalse(tokens.accepts("s3cr3t-token-123"));
        logged.forEach(r -> assertFalse(r.getMessage().contains("s3cr3t") || r.getMessage().contains("back-again"),
                r::getMessage));
    }

    private void assertLogged(String... lines) {
        assertEquals(List.of(lines), logged.stream().map(LogRecord::getMessage).toList());
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    /** New contents, with a modification time {@code seconds} later whatever the clock's grain. */
    private static void rewrite(Path file, String text, int seconds) throws Exception {
        Instant before = Files.getLastModifiedTime(file).toInstant();
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(before.plusSeconds(seconds)));
    }
}
