package dev.gptneo.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The automatic choice, in a child JVM: the vector width is read once per process, so a bad
 * {@code -Dgptneo.vectorBits} needs a JVM of its own.
 */
class BackendsTest {

    /** The child: creates the automatically chosen backend and prints its name. */
    public static final class AutomaticChoice {
        public static void main(String[] args) {
            try (Backend backend = Backends.create(null, BackendOptions.DEFAULTS)) {
                System.out.println(backend.name());
            }
        }
    }

    @Test
    void aBadVectorWidthFallsBackToScalarAndSaysWhy(@TempDir Path dir) throws IOException, InterruptedException {
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // this JVM's flags
        command.addAll(List.of("-Dgptneo.vectorBits=100", "-cp", System.getProperty("java.class.path"),
                AutomaticChoice.class.getName()));
        Process child = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM still running");
        String log = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), log);
        assertEquals("scalar", Files.readString(out, StandardCharsets.UTF_8).strip(), log);
        assertTrue(log.contains("backend vector skipped: -Dgptneo.vectorBits=100 is not a vector width"), log);
    }
}
