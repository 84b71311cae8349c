package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.gptneo.model.Fixtures;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A client command that cannot reach its server names the target and the cause in one line:
 * nothing listening, a host that does not resolve, TLS on one side only, an untrusted certificate,
 * no answer before the deadline. Not gRPC's "UNAVAILABLE: io exception".
 */
class ConnectionFailureTest {

    private static final Path TLS = Fixtures.testdata().resolve("tls");

    /** A gRPC server with only the health service: what the connection, not the model, is tested against. */
    private static Server healthServer(ServerCredentials credentials) throws IOException {
        return Grpc.newServerBuilderForPort(0, credentials).addService(new HealthStatusManager().getHealthService())
                .build().start();
    }

    private static CliRun health(String target, String... args) {
        return CliRun.of(Stream.concat(Stream.of("client", "health", "--target", target, "--timeout-seconds", "30"),
                Stream.of(args)).toArray(String[]::new));
    }

    /** The run failed with exit 1 and exactly one line on stderr: {@code expected}. */
    private static void assertOneLine(String expected, CliRun run) {
        assertEquals(1, run.status(), run.err());
        assertEquals(expected + "\n", run.err());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void nothingListeningIsConnectionRefused() throws IOException {
        String target = "127.0.0.1:" + closedPort();
        assertOneLine("error: nothing listening at " + target + ": connection refused; is the server running? (--target)",
                CliRun.of("client", "generate", "--target", target, "--prompt", "Hi"));
    }

    @Test
    void aHostThatDoesNotResolveIsNamed() {
        assertOneLine("error: cannot resolve host nosuchhost.invalid (--target)", health("nosuchhost.invalid:50051"));
    }

    @Test
    void aTlsClientToAPlaintextServerIsTold() throws IOException {
        Server plaintext = healthServer(InsecureServerCredentials.create());
        try {
            String target = "127.0.0.1:" + plaintext.getPort();
            assertOneLine("error: TLS handshake with " + target + " failed: the server does not speak TLS; drop --tls"
                    + " and --tls-roots, or serve with --tls-cert", health(target, "--tls-roots", TLS.resolve("ca.pem").toString()));
        } finally {
            plaintext.shutdownNow();
        }
    }

    @Test
    void aPlaintextClientToATlsServerIsTold() throws IOException {
        Server tls = healthServer(TlsServerCredentials.create(TLS.resolve("server.pem").toFile(),
                TLS.resolve("server-key.pem").toFile()));
        try {
            String target = "127.0.0.1:" + tls.getPort();
            assertOneLine("error: " + target + " closed the connection before answering; if it serves TLS (serve"
                    + " --tls-cert), connect with --tls or --tls-roots PEM", health(target));
            assertOneLine("error: TLS handshake with " + target + " failed: the server's certificate is not trusted"
                    + " (unable to find valid certification path to requested target); name the CA that signed it"
                    + " with --tls-roots PEM", health(target, "--tls"));
        } finally {
            tls.shutdownNow();
        }
    }

    /** A port that takes the connection and never answers, as a wedged process or a proxy might. */
    @Test
    void noAnswerBeforeTheDeadlineIsNamed() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String target = "127.0.0.1:" + silent.getLocalPort();
            assertOneLine("error: could not connect to " + target + " before the deadline (--timeout-seconds): is it"
                    + " up, reachable and a gRPC server?", health(target, "--timeout-seconds", "1"));
        }
    }

    @Test
    void aServerAskingForAClientCertificateIsTold() throws IOException {
        Server mutual = healthServer(TlsServerCredentials.newBuilder()
                .keyManager(TLS.resolve("server.pem").toFile(), TLS.resolve("server-key.pem").toFile())
                .trustManager(TLS.resolve("ca.pem").toFile())
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build());
        try {
            String target = "127.0.0.1:" + mutual.getPort();
            assertOneLine("error: TLS handshake with " + target + " failed: the server asks for a client certificate;"
                    + " give one with --tls-cert PEM --tls-key PEM",
                    health(target, "--tls-roots", TLS.resolve("ca.pem").toString()));
        } finally {
            mutual.shutdownNow();
        }
    }

    /** A server that took the call and did not finish it in time: no connection problem, the deadline's flag named. */
    @Test
    void aLateAnswerNamesTheDeadlineFlag() {
        StatusRuntimeException late = Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 0.99s")
                .asRuntimeException();
        assertEquals("127.0.0.1:50051 did not answer before the deadline (--timeout-seconds)",
                ConnectionFailure.of("127.0.0.1:50051", late).getMessage());
    }

    /** The server's own refusals are its answer, not a connection failure: their message stays gRPC's. */
    @Test
    void theServersOwnStatusIsLeftAsItIs() {
        StatusRuntimeException refused = Status.UNAVAILABLE.withDescription("server shutting down").asRuntimeException();
        assertSame(refused, ConnectionFailure.of("127.0.0.1:50051", refused));
    }

    @Test
    void aLoadtestOfNothingSaysWhyOnce() throws IOException {
        String target = "127.0.0.1:" + closedPort();
        assertOneLine("error: none of the 2 calls completed: UNAVAILABLE 2 (the first: nothing listening at " + target
                + ": connection refused; is the server running? (--target))",
                CliRun.of("loadtest", "--target", target, "--requests", "2", "--json"));
    }
}
