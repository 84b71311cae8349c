package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.model.Fixtures;
import dev.gptneo.server.ConnectionLimits;
import dev.gptneo.server.ServerConfig;
import dev.gptneo.server.security.SecurityConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve}'s options reach the server's configuration. */
class ServeCommandTest {

    /** The configuration {@code serve ARGS} starts a server with. */
    static ServerConfig config(String... args) throws Exception {
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
    void listensOnLoopbackUnlessToldOtherwise() throws Exception {
        ServerConfig defaults = config("--model", "synthetic:tiny");
        assertEquals("127.0.0.1", defaults.host());
        assertEquals("127.0.0.1", defaults.metricsHost());
        assertEquals(SecurityConfig.NONE, defaults.security());
        ServerConfig network = config("--model", "synthetic:tiny", "--host", "0.0.0.0", "--metrics-host", "10.0.0.5");
        assertEquals("0.0.0.0", network.host());
        assertEquals("10.0.0.5", network.metricsHost());
    }

    @Test
    void theTlsAndTokenFilesArePassedOn() throws Exception {
        assertEquals(new SecurityConfig(Path.of("c.pem"), Path.of("k.pem"), Path.of("ca.pem"), Path.of("tokens")),
                config("--model", "synthetic:tiny", "--tls-cert", "c.pem", "--tls-key", "k.pem",
                        "--tls-client-ca", "ca.pem", "--auth-token-file", "tokens").security());
        UsageException alone = assertThrows(UsageException.class,
                () -> config("--model", "synthetic:tiny", "--tls-cert", "c.pem"));
        assertEquals("--tls-cert needs --tls-key: the certificate's private key", alone.getMessage());
    }

    @Test
    void aTokenFileWithoutTokensOrABadKeyStopsStartUpWithOneLine(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("tokens"), "# none yet\n");
        assertEquals("error: --auth-token-file " + empty + ": holds no token (one a line; blank lines and # comments"
                + " are ignored)\n", failedStartUp("--auth-token-file", empty.toString()));
        Path tls = Fixtures.testdata().resolve("tls");
        Path notAKey = tls.resolve("server.pem");
        assertEquals("error: --tls-key " + notAKey + ": holds no unencrypted PKCS#8 PEM private key"
                + " (-----BEGIN PRIVATE KEY-----; openssl pkcs8 -topk8 -nocrypt converts one)\n",
                failedStartUp("--tls-cert", tls.resolve("server.pem").toString(), "--tls-key", notAKey.toString()));
    }

    /** What {@code serve} on the tiny fixture with {@code security} prints on stderr, having failed to start. */
    private static String failedStartUp(String... security) {
        String[] args = new String[security.length + 9];
        System.arraycopy(new String[] {"serve", "--model", Fixtures.checkpoint("tiny-gpt-neo").toString(),
                "--backend", "scalar", "--port", "0", "--metrics-port", "-1"}, 0, args, 0, 9);
        System.arraycopy(security, 0, args, 9, security.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, status, err::toString);
        assertFalse(out.toString(StandardCharsets.UTF_8).contains("serving"));
        return err.toString(StandardCharsets.UTF_8);
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
