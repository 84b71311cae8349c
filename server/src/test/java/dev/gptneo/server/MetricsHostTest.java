package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The metrics endpoint listens on its own host, not the gRPC port's. */
class MetricsHostTest {

    @Test
    void theMetricsListenOnTheMetricsHostOnly() throws Exception {
        // Both loopback addresses, so that the test opens nothing to the network.
        ServerConfig config = TestServer.configBuilder(1, Duration.ZERO)
                .host("127.0.0.1").metricsHost("127.0.0.2").metricsPort(0).build();
        try (TestServer test = TestServer.starting(config)) {
            int port = test.server.metricsPort();
            new Socket("127.0.0.2", port).close();
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
        }
    }
}
