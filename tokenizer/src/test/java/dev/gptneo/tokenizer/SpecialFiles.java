package dev.gptneo.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Files that are not regular files, for the tests (here and in the model module) that check a loader never opens one. */
public final class SpecialFiles {

    private SpecialFiles() {
    }

    /** Makes a named pipe at {@code path} (skipping the test where there is no mkfifo). */
    public static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        } catch (IOException e) {
            Assumptions.abort("no mkfifo here: " + e.getMessage());
            return;
        }
        Assumptions.assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo failed");
    }
}
