package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code gptneo} itself takes: --version, --verbose (before or after the sub-command), and completion. */
class TopLevelFlagsTest {

    @Test
    void versionNamesTheProjectTheBackendAndTheJdk() {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.status(), run.err());
        String expected = "gptneo " + VersionText.projectVersion() + " (backend vector "; // jvm.options adds the Vector API
        assertTrue(run.out().startsWith(expected), run.out());
        assertTrue(run.out().endsWith("-bit, Java " + System.getProperty("java.version") + " "
                + System.getProperty("java.vendor.version").split("-")[0] + ")\n"), run.out());
        assertTrue(VersionText.projectVersion().matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), "filtered from the pom: "
                + VersionText.projectVersion());
    }

    @Test
    void withoutVerboseAFailureIsOneLine() {
        CliRun run = CliRun.of("tokenize", "--model", "/nonexistent");
        assertEquals(1, run.status());
        assertEquals(1, run.err().lines().filter(line -> line.startsWith("error: ")).count(), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void verboseBeforeOrAfterTheSubCommandAddsTheStackTrace() {
        for (List<String> args : List.of(List.of("--verbose", "tokenize", "--model", "/nonexistent"),
                List.of("tokenize", "--model", "/nonexistent", "--verbose"))) {
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertEquals(1, run.status(), args.toString());
            List<String> lines = run.err().lines().dropWhile(line -> !line.startsWith("error: ")).toList();
            assertTrue(lines.getFirst().startsWith("error: /nonexistent"), run.err());
            assertTrue(lines.stream().anyMatch(line -> line.startsWith("\tat dev.gptneo.")), args + ": " + run.err());
        }
    }

    @Test
    void completionPrintsAScriptForEverySubCommand() {
        CliRun run = CliRun.of("completion");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("complete -F _complete_gptneo"), run.out());
        for (String sub : List.of("detokenize", "generate", "serve", "loadtest")) {
            assertTrue(run.out().contains(sub), sub);
        }
        assertTrue(run.out().contains("--prompt-ids"), "options too");
    }
}
