package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.server.security.SecurityConfig;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a token file, TextGeneration and reflection (v1 and v1alpha) need a listed bearer token; health does not. */
class AuthenticationTest {

    private static final String TOKEN = "s3cr3t-token-123";
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    static Path dir;

    private static TestServer test;
    /** What the server logged at start-up, warning level and above. */
    private static final List<String> warnings = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "# clients\nanother-token\n" + TOKEN + "\n");
        Logger log = Logger.getLogger(GptNeoServer.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try {
            test = TestServer.serving(TestServer.configBuilder(1, Duration.ZERO)
                    .security(new SecurityConfig(null, null, null, tokens)).build());
        } finally {
            log.removeHandler(capture);
        }
    }

    @AfterAll
    static void stop() {
        test.close();
    }

    @Test
    void generationNeedsOneOfTheFilesTokens() {
        assertUnauthenticated(null, "this server needs \"authorization: Bearer <token>\"");
        assertUnauthenticated("Basic " + TOKEN, "the authorization header is not \"Bearer <token>\"");
        assertUnauthenticated("Bearer wrong-token-123", "the bearer token is not accepted");
        assertUnauthenticated("Bearer " + TOKEN + "4", "the bearer token is not accepted");
        assertUnauthenticated("Bearer ", "the bearer token is not accepted");
        assertEquals(3, generatedTokens("Bearer " + TOKEN));
        assertEquals(3, generatedTokens("bearer another-token"), "the scheme is case-insensitive");
    }

    @Test
    void aCallWithoutTheTokenIsRefusedBeforeItsRequestIsRead() throws Exception {
        GenerateRequest invalid = GenerateRequest.getDefaultInstance();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> stub(null).generate(invalid).hasNext());
        assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), "not INVALID_ARGUMENT: not read");
        StatusRuntimeException read = assertThrows(StatusRuntimeException.class,
                () -> stub("Bearer " + TOKEN).generate(invalid).hasNext());
        assertEquals(Status.Code.INVALID_ARGUMENT, read.getStatus().getCode());
        assertTrue(test.metrics().value("gptneo_requests_total", Map.of("method", "Generate", "code", "UNAUTHENTICATED"))
                > 0, "the refusal is counted");
    }

    @Test
    void tokensWithoutTlsAreWarnedAboutInOneLine() {
        assertEquals(List.of("bearer tokens are accepted over plaintext on 127.0.0.1: give --tls-cert and --tls-key,"
                + " so that they are not sent in the clear"), warnings);
    }

    @Test
    void healthAnswersWithoutAToken() {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                HealthGrpc.newBlockingStub(test.channel).check(HealthCheckRequest.getDefaultInstance()).getStatus());
    }

    @Test
    void reflectionNeedsTheTokenToo() throws Exception {
        assertReflectionNeedsTheToken(ReflectionServices::v1);
    }

    @Test
    void reflectionV1AlphaListsTheServiceAndNeedsTheTokenToo() throws Exception {
        assertReflectionNeedsTheToken(ReflectionServices::v1alpha);
    }

    private static void assertReflectionNeedsTheToken(Function<Channel, CompletableFuture<List<String>>> services)
            throws Exception {
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> services.apply(channel(null)).get(10, TimeUnit.SECONDS));
        assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable(refused.getCause()).getCode());
        assertTrue(services.apply(channel("Bearer " + TOKEN)).get(10, TimeUnit.SECONDS)
                .contains(TextGenerationGrpc.SERVICE_NAME));
    }

    private static void assertUnauthenticated(String authorization, String description) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generatedTokens(authorization));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), authorization);
        assertEquals(description, e.getStatus().getDescription());
        assertFalse(e.getStatus().getDescription().contains(TOKEN), "the token is not repeated");
    }

    private static int generatedTokens(String authorization) {
        int[] tokens = {0};
        stub(authorization).generate(Requests.greedy(3, 1, 2)).forEachRemaining(r -> tokens[0] += r.getTokensCount());
        return tokens[0];
    }

    private static TextGenerationGrpc.TextGenerationBlockingStub stub(String authorization) {
        return TextGenerationGrpc.newBlockingStub(channel(authorization));
    }

    /** The test's channel, sending {@code authorization} (when not null) with every call. */
    private static Channel channel(String authorization) {
        if (authorization == null) {
            return test.channel;
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, authorization);
        return ClientInterceptors.intercept(test.channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
