package dev.gptneo.cli;

import com.google.inject.Guice;
import dev.gptneo.server.ConnectionLimits;
import dev.gptneo.server.GptNeoServer;
import dev.gptneo.server.ServerConfig;
import dev.gptneo.server.ServerModules;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gptneo serve}: the streaming gRPC server, until SIGTERM or Ctrl-C. */
@Command(name = "serve", description = "serve the gptneo.v1 gRPC API (streaming generation, health, reflection, metrics)")
final class ServeCommand extends SubCommand {

    @Mixin
    ModelFlags model;

    @Option(names = "--host", paramLabel = "H",
            description = "address to listen on; 0.0.0.0 serves every interface (default: ${DEFAULT-VALUE}, this machine only)")
    String host = ServerConfig.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "N", description = "gRPC port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port = ServerConfig.DEFAULT_PORT;

    @Option(names = "--metrics-port", paramLabel = "N",
            description = "Prometheus metrics at http://HOST:N/metrics; -1: off (default: ${DEFAULT-VALUE})")
    int metricsPort = ServerConfig.DEFAULT_METRICS_PORT;

    @Option(names = "--metrics-host", paramLabel = "H",
            description = "address the metrics endpoint (plain HTTP, no token) listens on (default: ${DEFAULT-VALUE})")
    String metricsHost = ServerConfig.DEFAULT_METRICS_HOST;

    @Mixin
    ServerSecurityFlags security;

    @Mixin
    EngineFlags engine;

    @Option(names = "--grace-seconds", paramLabel = "N",
            description = "on SIGTERM, how long running generations may finish (default: ${DEFAULT-VALUE})")
    int graceSeconds = ServerConfig.DEFAULT_GRACE_SECONDS;

    @Option(names = "--stall-timeout-seconds", paramLabel = "N",
            description = "end a stream whose reader has taken nothing for N s (its generation paused all along) with"
                    + " ABORTED, freeing its slot and KV cache (default: ${DEFAULT-VALUE})")
    int stallTimeoutSeconds = ServerConfig.DEFAULT_STALL_TIMEOUT_SECONDS;

    @Option(names = "--log-prompts", description = "add each generation's prompt and generated text to its request"
            + " log line, JSON-quoted (off by default: they are the users' data)")
    boolean logPrompts;

    @Option(names = "--keepalive-seconds", paramLabel = "N",
            description = "ping a connection silent for N s, to find clients gone without closing; at least 10"
                    + " (default: ${DEFAULT-VALUE})")
    int keepAliveSeconds = ConnectionLimits.DEFAULT_KEEPALIVE_SECONDS;

    @Option(names = "--keepalive-timeout-seconds", paramLabel = "N",
            description = "close a connection whose ping goes unanswered for N s (default: ${DEFAULT-VALUE})")
    int keepAliveTimeoutSeconds = ConnectionLimits.DEFAULT_KEEPALIVE_TIMEOUT_SECONDS;

    @Option(names = "--max-connection-idle-seconds", paramLabel = "N",
            description = "ask a connection without calls for N s to go (GOAWAY) (default: ${DEFAULT-VALUE})")
    int maxConnectionIdleSeconds = ConnectionLimits.DEFAULT_MAX_IDLE_SECONDS;

    @Option(names = "--max-connection-age-seconds", paramLabel = "N",
            description = "ask a connection N s old to go (GOAWAY); clients reconnect (default: ${DEFAULT-VALUE})")
    int maxConnectionAgeSeconds = ConnectionLimits.DEFAULT_MAX_AGE_SECONDS;

    @Option(names = "--max-connection-age-grace-seconds", paramLabel = "N",
            description = "how long the calls of a connection past its age may still run before it is closed"
                    + " (default: ${DEFAULT-VALUE})")
    int maxConnectionAgeGraceSeconds = ConnectionLimits.DEFAULT_MAX_AGE_GRACE_SECONDS;

    @Option(names = "--max-streams-per-connection", paramLabel = "N",
            description = "calls one connection may have open at once (HTTP/2 MAX_CONCURRENT_STREAMS); the client holds"
                    + " back more until one ends (default: ${DEFAULT-VALUE})")
    int maxStreamsPerConnection = ConnectionLimits.DEFAULT_MAX_STREAMS;

    ServeCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config = config();
        // Fetched here, with the progress bar: the server's own load then finds the model in the cache.
        model.fetchIfHubModel();
        // Main prints a failure's cause in one line (FailureMessage): the model, the KV budget, a TLS or token file.
        GptNeoServer server = Guice.createInjector(ServerModules.production(config)).getInstance(GptNeoServer.class);
        server.start();
        PrintStream log = new PrintStream(io.out(), true, StandardCharsets.UTF_8);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdown();
                // Printed here, not logged: java.util.logging's own shutdown hook may have closed its handlers by now.
                log.println("gptneo stopped");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "gptneo-shutdown"));
        load(server);
        // The backend chosen was logged when it was created.
        log.println("gptneo serving " + config.model() + " at " + config.host() + ":"
                + server.port() + (server.metricsPort() < 0 ? "" : ", metrics at :" + server.metricsPort() + "/metrics"));
        server.awaitTermination();
        return 0;
    }

    /** Loads and warms up; a failure stops the server and ends the start at once, in one line naming what failed. */
    private static void load(GptNeoServer server) throws Exception {
        try {
            server.load();
        } catch (Exception e) {
            server.shutdown();
            throw switch (e) {
                case ExecutionException failed -> new IllegalStateException(
                        "the warm-up generation failed: " + FailureMessage.of(failed), failed);
                case TimeoutException late -> new IllegalStateException(
                        "the warm-up generation did not finish in time: the engine is stuck", late);
                default -> e;
            };
        }
    }

    ServerConfig config() throws UsageException {
        try {
            return ServerConfig.builder(model.model)
                    .backend(model.backend)
                    .host(host)
                    .port(port)
                    .metricsPort(metricsPort)
                    .metricsHost(metricsHost)
                    .security(security.security())
                    .maxConcurrent(engine.maxConcurrent)
                    .maxQueued(engine.maxQueued)
                    .maxBatchTokens(engine.maxBatchTokens)
                    .kvCacheMb(engine.kvCacheMb)
                    .shutdownGrace(Duration.ofSeconds(graceSeconds))
                    .stallTimeout(Duration.ofSeconds(stallTimeoutSeconds))
                    .logPrompts(logPrompts)
                    .connectionLimits(new ConnectionLimits(Duration.ofSeconds(keepAliveSeconds),
                            Duration.ofSeconds(keepAliveTimeoutSeconds), Duration.ofSeconds(maxConnectionIdleSeconds),
                            Duration.ofSeconds(maxConnectionAgeSeconds), Duration.ofSeconds(maxConnectionAgeGraceSeconds),
                            maxStreamsPerConnection))
                    .dtype(model.dtype())
                    .backendOptions(model.backendOptions())
                    .tokenizer(model.tokenizer)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
