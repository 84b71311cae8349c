package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.inject.Guice;
import dev.gptneo.model.Fixtures;
import dev.gptneo.server.GptNeoServer;
import dev.gptneo.server.ServerModules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loadtest} and {@code client health} reach a server with mutual TLS and a token through
 * the connection flags {@code client generate} has, and fail as they should without them.
 */
class SecureLoadtestTest {

    private static final Path TLS = Fixtures.testdata().resolve("tls");
    private static final String TOKEN = "s3cr3t-token-123";

    @TempDir
    static Path dir;
    private static Path tokens;
    private static GptNeoServer server;

    @BeforeAll
    static void start() throws Exception {
        tokens = Files.writeString(dir.resolve("tokens"), TOKEN + "\n");
        server = Guice.createInjector(ServerModules.production(ServeCommandTest.config("--model",
                        Fixtures.checkpoint("tiny-gpt-neo").toString(), "--backend", "scalar", "--port", "0",
                        "--metrics-port", "-1", "--tls-cert", tls("server.pem"), "--tls-key", tls("server-key.pem"),
                        "--tls-client-ca", tls("ca.pem"), "--auth-token-file", tokens.toString())))
                .getInstance(GptNeoServer.class).start();
        server.load();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.shutdown();
    }

    /** {@code sub-command --target server} with the test CA trusted, then {@code args}. */
    private static CliRun run(String[] command, String... args) {
        return CliRun.of(Stream.of(command, new String[] {"--target", "127.0.0.1:" + server.port(),
                "--tls-roots", tls("ca.pem")}, args).flatMap(Stream::of).toArray(String[]::new));
    }

    private static CliRun loadtest(String... args) {
        return run(new String[] {"loadtest", "--requests", "2", "--max-new-tokens", "2", "--json"}, args);
    }

    @Test
    void loadtestReachesItWithTheClientCertificateAndTheTokenFile() {
        CliRun run = loadtest("--tls-cert", tls("client.pem"), "--tls-key", tls("client-key.pem"),
                "--auth-token-file", tokens.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals(2, run.json().get("completed").getAsInt());
    }

    @Test
    void withoutTheTokenEveryCallIsUnauthenticated() {
        CliRun run = loadtest("--tls-cert", tls("client.pem"), "--tls-key", tls("client-key.pem"));
        assertEquals(1, run.status());
        JsonObject errors = run.json().getAsJsonObject("errors");
        assertEquals(2, errors.get("UNAUTHENTICATED").getAsInt(), errors.toString());
    }

    @Test
    void withoutTheClientCertificateNoCallGetsThrough() {
        CliRun run = loadtest("--token", TOKEN);
        assertEquals(1, run.status());
        assertEquals(2, run.json().getAsJsonObject("errors").get("UNAVAILABLE").getAsInt(), run.out());
    }

    @Test
    void healthAnswersOverMutualTlsWithoutAToken() {
        CliRun run = run(new String[] {"client", "health"}, "--tls-cert", tls("client.pem"), "--tls-key", tls("client-key.pem"));
        assertEquals(0, run.status(), run.err());
        assertEquals("SERVING\n", run.out());
    }

    private static String tls(String file) {
        return TLS.resolve(file).toString();
    }
}
