package dev.gptneo.cli;

import com.google.inject.Guice;
import dev.gptneo.server.GptNeoServer;
import dev.gptneo.server.ServerConfig;
import dev.gptneo.server.ServerModules;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gptneo serve}: the streaming gRPC server, until SIGTERM or Ctrl-C. */
@Command(name = "serve", description = "serve the gptneo.v1 gRPC API (streaming generation, health, reflection, metrics)")
final class ServeCommand extends SubCommand {

    @Mixin
    ModelFlags model;

    @Option(names = "--host", paramLabel = "H", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host = ServerConfig.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "N", description = "gRPC port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port = ServerConfig.DEFAULT_PORT;

    @Option(names = "--metrics-port", paramLabel = "N",
            description = "Prometheus metrics at http://HOST:N/metrics; -1: off (default: ${DEFAULT-VALUE})")
    int metricsPort = ServerConfig.DEFAULT_METRICS_PORT;

    @Mixin
    EngineFlags engine;

    @Option(names = "--grace-seconds", paramLabel = "N",
            description = "on SIGTERM, how long running generations may finish (default: ${DEFAULT-VALUE})")
    int graceSeconds = ServerConfig.DEFAULT_GRACE_SECONDS;

    ServeCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config = config();
        GptNeoServer server = Guice.createInjector(ServerModules.production(config)).getInstance(GptNeoServer.class).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "gptneo-shutdown"));
        try {
            server.load();
        } catch (Exception e) {
            // Main prints the cause's message (FailureMessage): the model, the KV budget.
            server.shutdown();
            throw e;
        }
        PrintStream log = new PrintStream(io.out(), true, StandardCharsets.UTF_8);
        // The backend chosen was logged when it was created.
        log.println("gptneo serving " + config.model() + " at " + config.host() + ":"
                + server.port() + (server.metricsPort() < 0 ? "" : ", metrics at :" + server.metricsPort() + "/metrics"));
        server.awaitTermination();
        return 0;
    }

    ServerConfig config() throws UsageException {
        try {
            return ServerConfig.builder(model.model)
                    .backend(model.backend)
                    .host(host)
                    .port(port)
                    .metricsPort(metricsPort)
                    .maxConcurrent(engine.maxConcurrent)
                    .maxQueued(engine.maxQueued)
                    .maxBatchTokens(engine.maxBatchTokens)
                    .kvCacheMb(engine.kvCacheMb)
                    .shutdownGrace(Duration.ofSeconds(graceSeconds))
                    .dtype(model.dtype())
                    .backendOptions(model.backendOptions())
                    .tokenizer(model.tokenizer)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
