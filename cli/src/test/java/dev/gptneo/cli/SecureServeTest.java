package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import dev.gptneo.client.GenerationRequest;
import dev.gptneo.client.GptNeoClient;
import dev.gptneo.client.GptNeoClientBuilder;
import dev.gptneo.client.RpcFailedException;
import dev.gptneo.client.UnavailableException;
import dev.gptneo.model.Fixtures;
import dev.gptneo.proto.v1.CompleteResponse;
import dev.gptneo.proto.v1.FinishReason;
import dev.gptneo.server.GptNeoServer;
import dev.gptneo.server.ServerModules;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --tls-cert --tls-key --auth-token-file}, and the same with {@code --tls-client-ca},
 * on real loopback ports, reached by the SDK and by {@code client generate}.
 */
class SecureServeTest {

    private static final Path TLS = Fixtures.testdata().resolve("tls");
    private static final String TOKEN = "s3cr3t-token-123";
    private static final GenerationRequest HELLO =
            GenerationRequest.builder().prompt("Hello").maxNewTokens(3).ignoreEos().build();

    @TempDir
    static Path dir;
    private static Path tokens;
    /** TLS and a token. */
    private static GptNeoServer tls;
    /** Mutual TLS and a token. */
    private static GptNeoServer mutual;

    @BeforeAll
    static void start() throws Exception {
        tokens = Files.writeString(dir.resolve("tokens"), "# test clients\n" + TOKEN + "\n");
        tls = serve("--tls-cert", tls("server.pem"), "--tls-key", tls("server-key.pem"),
                "--auth-token-file", tokens.toString());
        mutual = serve("--tls-cert", tls("server.pem"), "--tls-key", tls("server-key.pem"),
                "--tls-client-ca", tls("ca.pem"), "--auth-token-file", tokens.toString());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        tls.shutdown();
        mutual.shutdown();
    }

    @Test
    void plaintextIsRefused() {
        try (GptNeoClient client = GptNeoClient.builder().target(target(tls)).maxAttempts(1).build()) {
            assertThrows(UnavailableException.class, () -> client.detokenize(15496));
        }
    }

    @Test
    void aMissingOrWrongTokenIsUnauthenticated() {
        assertEquals(Status.Code.UNAUTHENTICATED, refusal(trusting(tls)));
        assertEquals(Status.Code.UNAUTHENTICATED, refusal(trusting(tls).bearerToken("wrong-token-123")));
    }

    @Test
    void theRightTokenGenerates() throws Exception {
        assertGenerates(trusting(tls).bearerToken(TOKEN));
    }

    @Test
    void healthAnswersWithoutAToken() throws Exception {
        ManagedChannel channel = Grpc.newChannelBuilder(target(tls),
                TlsChannelCredentials.newBuilder().trustManager(TLS.resolve("ca.pem").toFile()).build()).build();
        try {
            assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                    HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificateOfTheCa() {
        try (GptNeoClient client = trusting(mutual).bearerToken(TOKEN).build()) {
            assertThrows(UnavailableException.class, () -> client.detokenize(15496), "no certificate");
        }
        try (GptNeoClient client = trusting(mutual).bearerToken(TOKEN)
                .clientCertificate(TLS.resolve("stranger.pem"), TLS.resolve("stranger-key.pem")).build()) {
            assertThrows(UnavailableException.class, () -> client.detokenize(15496), "a certificate of no known CA");
        }
    }

    @Test
    void mutualTlsServesAClientWithACertificateOfTheCaAndTheToken() throws Exception {
        GptNeoClientBuilder certified = trusting(mutual)
                .clientCertificate(TLS.resolve("client.pem"), TLS.resolve("client-key.pem"));
        assertEquals(Status.Code.UNAUTHENTICATED, refusal(certified), "a certificate is not a token");
        assertGenerates(certified.bearerToken(TOKEN));
    }

    @Test
    void clientGenerateReachesTheServerWithTheTokenFileAndTheClientCertificate() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"client", "generate", "--target", target(mutual),
                "--tls-roots", tls("ca.pem"), "--tls-cert", tls("client.pem"), "--tls-key", tls("client-key.pem"),
                "--auth-token-file", tokens.toString(), "--prompt", "Hello", "--max-new-tokens", "3", "--ignore-eos"},
                new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err::toString);
        assertTrue(out.toString(StandardCharsets.UTF_8).strip().length() > 0, "no text streamed");
    }

    /** A server started from {@code serve}'s flags (and the tiny fixture's), SERVING. */
    private static GptNeoServer serve(String... security) throws Exception {
        String[] args = new String[security.length + 8];
        System.arraycopy(new String[] {"--model", Fixtures.checkpoint("tiny-gpt-neo").toString(), "--backend", "scalar",
                "--port", "0", "--metrics-port", "-1"}, 0, args, 0, 8);
        System.arraycopy(security, 0, args, 8, security.length);
        GptNeoServer server = Guice.createInjector(ServerModules.production(ServeCommandTest.config(args)))
                .getInstance(GptNeoServer.class).start();
        server.load();
        return server;
    }

    /** A client that trusts the test CA and tries once (a refused handshake is not retried). */
    private static GptNeoClientBuilder trusting(GptNeoServer server) {
        return GptNeoClient.builder().target(target(server)).tls(TLS.resolve("ca.pem")).maxAttempts(1);
    }

    private static Status.Code refusal(GptNeoClientBuilder builder) {
        try (GptNeoClient client = builder.build()) {
            return assertThrows(RpcFailedException.class, () -> client.detokenize(15496)).code();
        }
    }

    private static void assertGenerates(GptNeoClientBuilder builder) throws Exception {
        try (GptNeoClient client = builder.build()) {
            CompleteResponse done = client.complete(HELLO).get(30, TimeUnit.SECONDS);
            assertEquals(FinishReason.LENGTH, done.getFinishReason());
            assertEquals(3, done.getTokensCount());
        }
    }

    private static String target(GptNeoServer server) {
        return "127.0.0.1:" + server.port();
    }

    private static String tls(String file) {
        return TLS.resolve(file).toString();
    }
}
