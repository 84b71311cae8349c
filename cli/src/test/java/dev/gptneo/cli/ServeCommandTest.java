package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.server.ConnectionLimits;
import dev.gptneo.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code serve}'s options reach the server's configuration. */
class ServeCommandTest {

    private static ServerConfig config(String... args) throws Exception {
        CommandLine line = Main.commandLine(null, System.out, System.err);
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        line.parseArgs(all);
        ServeCommand command = line.getSubcommands().get("serve").getCommand();
        return command.config();
    }

    @Test
    void tokenizerFolderIsPassedOn() throws Exception {
        assertEquals(Path.of("/models/tok"), config("--model", "synthetic:tiny", "--tokenizer", "/models/tok").tokenizer());
        assertNull(config("--model", "synthetic:tiny").tokenizer());
    }

    @Test
    void schedulingLimitsHaveTheirDefaultsAndArePassedOn() throws Exception {
        ServerConfig defaults = config("--model", "synthetic:tiny");
        assertEquals(32, defaults.maxConcurrent());
        assertEquals(256, defaults.maxQueued());
        assertEquals(64, defaults.maxBatchTokens());
        ServerConfig set = config("--model", "synthetic:tiny", "--max-concurrent", "8", "--max-queued", "0",
                "--max-batch-tokens", "16");
        assertEquals(8, set.maxConcurrent());
        assertEquals(0, set.maxQueued());
        assertEquals(16, set.maxBatchTokens());
    }

    @Test
    void theKvCacheBudgetIsPassedOnOrLeftToTheDefault() throws Exception {
        assertNull(config("--model", "synthetic:tiny").kvCacheMb());
        assertEquals(512, config("--model", "synthetic:tiny", "--kv-cache-mb", "512").kvCacheMb());
        UsageException none = assertThrows(UsageException.class,
                () -> config("--model", "synthetic:tiny", "--kv-cache-mb", "0"));
        assertEquals("--kv-cache-mb must be at least 1, got 0", none.getMessage());
    }

    @Test
    void limitsOutOfRangeNameTheirFlag() {
        UsageException queued = assertThrows(UsageException.class,
                () -> config("--model", "synthetic:tiny", "--max-queued", "-1"));
        assertTrue(queued.getMessage().startsWith("--max-queued must be at least 0"), queued::getMessage);
        UsageException budget = assertThrows(UsageException.class,
                () -> config("--model", "synthetic:tiny", "--max-concurrent", "8", "--max-batch-tokens", "4"));
        assertTrue(budget.getMessage().startsWith("--max-batch-tokens must be at least --max-concurrent (8"),
                budget::getMessage);
    }

    @Test
    void stallAndConnectionLimitsHaveTheirDefaultsAndArePassedOn() throws Exception {
        ServerConfig defaults = config("--model", "synthetic:tiny");
        assertEquals(Duration.ofSeconds(30), defaults.stallTimeout());
        assertEquals(ConnectionLimits.DEFAULTS, defaults.connectionLimits());
        assertEquals(new ConnectionLimits(Duration.ofSeconds(60), Duration.ofSeconds(20), Duration.ofSeconds(300),
                Duration.ofSeconds(1800), Duration.ofSeconds(300), 128), ConnectionLimits.DEFAULTS);
        ServerConfig set = config("--model", "synthetic:tiny", "--stall-timeout-seconds", "5", "--keepalive-seconds", "15",
                "--keepalive-timeout-seconds", "3", "--max-connection-idle-seconds", "7", "--max-connection-age-seconds", "9",
                "--max-connection-age-grace-seconds", "0", "--max-streams-per-connection", "4");
        assertEquals(Duration.ofSeconds(5), set.stallTimeout());
        assertEquals(new ConnectionLimits(Duration.ofSeconds(15), Duration.ofSeconds(3), Duration.ofSeconds(7),
                Duration.ofSeconds(9), Duration.ZERO, 4), set.connectionLimits());
    }

    @Test
    void stallAndConnectionLimitsOutOfRangeNameTheirFlag() {
        String[][] cases = {
            {"--stall-timeout-seconds", "0", "--stall-timeout-seconds must be at least 1, got 0"},
            {"--keepalive-seconds", "5", "--keepalive-seconds must be at least 10, got 5"},
            {"--keepalive-timeout-seconds", "0", "--keepalive-timeout-seconds must be at least 1, got 0"},
            {"--max-connection-idle-seconds", "0", "--max-connection-idle-seconds must be at least 1, got 0"},
            {"--max-connection-age-seconds", "-1", "--max-connection-age-seconds must be at least 1, got -1"},
            {"--max-connection-age-grace-seconds", "-1", "--max-connection-age-grace-seconds must be at least 0, got -1"},
            {"--max-streams-per-connection", "0", "--max-streams-per-connection must be at least 1, got 0"},
        };
        for (String[] c : cases) {
            UsageException e = assertThrows(UsageException.class, () -> config("--model", "synthetic:tiny", c[0], c[1]));
            assertEquals(c[2], e.getMessage());
        }
    }
}
