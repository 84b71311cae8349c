package dev.gptneo.cli;

import dev.gptneo.client.GptNeoClient;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptneo client health}: what the server's {@code grpc.health.v1} says of the whole server,
 * printed; exit 0 only for SERVING. What a script (the soak test) or a probe without
 * grpc_health_probe asks; the server needs no token for it.
 */
@Command(name = "health", description = "print a server's grpc.health.v1 status; exit 0 when it is SERVING, 1 otherwise")
final class ClientHealth extends SubCommand {

    /**
     * Plain pick_first: the SDK's own service config health-checks its subchannels, and would
     * answer a NOT_SERVING server with UNAVAILABLE instead of letting it say so.
     */
    private static final Map<String, ?> WITHOUT_HEALTH_CHECKING =
            Map.of("loadBalancingConfig", List.of(Map.of("pick_first", Map.of())));

    @Mixin
    ConnectionFlags connection;

    @Option(names = "--timeout-seconds", paramLabel = "S", description = "how long to wait for the answer (default: ${DEFAULT-VALUE})")
    int timeoutSeconds = 5;

    ClientHealth(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws UsageException {
        if (timeoutSeconds < 1) {
            throw new UsageException("--timeout-seconds must be at least 1, got " + timeoutSeconds);
        }
        ServingStatus status;
        try (GptNeoClient client = connection.clients().get().maxAttempts(1)
                .configureChannel(channel -> channel.defaultServiceConfig(WITHOUT_HEALTH_CHECKING)).build()) {
            status = HealthGrpc.newBlockingStub(client.channel()).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus();
        } catch (RuntimeException e) {
            throw ConnectionFailure.of(connection.target, e);
        }
        new PrintStream(io.out(), true, StandardCharsets.UTF_8).println(status);
        if (status != ServingStatus.SERVING) {
            throw new IllegalStateException("the server is " + status + ", not SERVING");
        }
        return 0;
    }
}
