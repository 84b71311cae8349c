package dev.gptneo.cli;

import com.google.inject.Guice;
import dev.gptneo.server.GptNeoServer;
import dev.gptneo.server.ServerConfig;
import dev.gptneo.server.ServerModules;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code gptneo serve}: the streaming gRPC server, until SIGTERM or Ctrl-C. */
final class ServeCommand implements Command {

    private static final Set<String> OPTIONS = Options.union(ModelFlags.VALUED,
            Set.of("--host", "--port", "--metrics-port", "--max-concurrent", "--grace-seconds"));

    @Override
    public String summary() {
        return "serve the gptneo.v1 gRPC API (streaming generation, health, reflection, metrics)";
    }

    @Override
    public String usage() {
        return """
                usage: gptneo serve --model SPEC [options]
                  --host H             address to listen on (default 0.0.0.0)
                  --port N             gRPC port (default 50051; 0 picks a free one)
                  --metrics-port N     Prometheus metrics at http://HOST:N/metrics (default 9464; -1: off)
                  --max-concurrent N   generations at once; more are refused with RESOURCE_EXHAUSTED (default 4)
                  --grace-seconds N    on SIGTERM, how long running generations may finish (default 10)
                """ + ModelFlags.USAGE;
    }

    @Override
    public int run(List<String> args, InputStream in, OutputStream out) throws Exception {
        ServerConfig config = config(Options.parse(args, OPTIONS, Set.of()));
        GptNeoServer server = Guice.createInjector(ServerModules.production(config)).getInstance(GptNeoServer.class).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.shutdown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "gptneo-shutdown"));
        server.load();
        PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);
        // The backend chosen was logged when it was created.
        log.println("gptneo serving " + config.model() + " at " + config.host() + ":"
                + server.port() + (server.metricsPort() < 0 ? "" : ", metrics at :" + server.metricsPort() + "/metrics"));
        server.awaitTermination();
        return 0;
    }

    static ServerConfig config(Options options) throws UsageException {
        try {
            return ServerConfig.builder(options.required("--model"))
                    .backend(options.get("--backend", null))
                    .host(options.get("--host", ServerConfig.DEFAULT_HOST))
                    .port(options.intValue("--port", ServerConfig.DEFAULT_PORT))
                    .metricsPort(options.intValue("--metrics-port", ServerConfig.DEFAULT_METRICS_PORT))
                    .maxConcurrent(options.intValue("--max-concurrent", ServerConfig.DEFAULT_MAX_CONCURRENT))
                    .shutdownGrace(Duration.ofSeconds(options.intValue("--grace-seconds",
                            (int) ServerConfig.DEFAULT_SHUTDOWN_GRACE.toSeconds())))
                    .dtype(ModelFlags.dtype(options))
                    .backendOptions(ModelFlags.backendOptions(options))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
