package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.inject.Guice;
import dev.gptneo.model.Fixtures;
import dev.gptneo.server.GptNeoServer;
import dev.gptneo.server.ServerModules;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** {@code client health} prints the server's health status and exits 0 for SERVING alone. */
class ClientHealthTest {

    /** Listening on a free loopback port; SERVING once loaded, NOT_SERVING before. */
    private static GptNeoServer started() throws Exception {
        return Guice.createInjector(ServerModules.production(ServeCommandTest.config("--model",
                        Fixtures.checkpoint("tiny-gpt-neo").toString(), "--backend", "scalar", "--port", "0",
                        "--metrics-port", "-1")))
                .getInstance(GptNeoServer.class).start();
    }

    private static CliRun health(int port) {
        return CliRun.of("client", "health", "--target", "127.0.0.1:" + port);
    }

    @Test
    void aLoadedServerIsServingAndOneStillLoadingIsNot() throws Exception {
        GptNeoServer server = started();
        try {
            CliRun loading = health(server.port());
            assertEquals(1, loading.status(), loading.err());
            assertEquals("NOT_SERVING\n", loading.out());
            assertEquals("error: the server is NOT_SERVING, not SERVING", loading.firstErrorLine());

            server.load();
            CliRun serving = health(server.port());
            assertEquals(0, serving.status(), serving.err());
            assertEquals("SERVING\n", serving.out());
        } finally {
            server.shutdown();
        }
    }

    @Test
    void nothingListeningIsAnError() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        CliRun run = health(port);
        assertEquals(1, run.status());
        assertEquals("", run.out());
        assertEquals("error: nothing listening at 127.0.0.1:" + port + ": connection refused; is the server running?"
                + " (--target)", run.firstErrorLine(), run.err());
    }

    @Test
    void aClientSubCommandIsNeeded() {
        CliRun run = CliRun.of("client");
        assertEquals(2, run.status());
        assertEquals("error: a client sub-command is needed: 'generate' or 'health'", run.firstErrorLine());
    }
}
