package dev.gptneo.server;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.google.inject.util.Modules;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.engine.EngineStats;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.server.metrics.ServerMetrics;
import dev.gptneo.server.metrics.TextFormat;
import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server on the tiny fixture model (scalar backend) behind an in-process transport: the
 * production modules, with only the transport replaced (and whatever a test overrides).
 */
final class TestServer implements AutoCloseable {

    final Injector injector;
    final GptNeoServer server;
    final ManagedChannel channel;

    private TestServer(ServerConfig config, List<Module> overrides) throws Exception {
        String name = InProcessServerBuilder.generateName();
        Module inProcess = new AbstractModule() {
            @Override
            protected void configure() {
                bind(new TypeLiteral<ServerBuilder<?>>() { }).toProvider(() -> InProcessServerBuilder.forName(name));
            }
        };
        Module production = ServerModules.production(config);
        injector = Guice.createInjector(Modules.override(production)
                .with(Modules.combine(inProcess, Modules.combine(overrides))));
        server = injector.getInstance(GptNeoServer.class).start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    /** The tiny fixture with {@code maxConcurrent} slots, a 4-response stream buffer and the given grace. */
    static ServerConfig config(int maxConcurrent, Duration grace) {
        return configBuilder(maxConcurrent, grace).build();
    }

    /** {@link #config}'s settings, to change some before building. */
    static ServerConfig.Builder configBuilder(int maxConcurrent, Duration grace) {
        return ServerConfig.builder(Fixtures.checkpoint("tiny-gpt-neo").toString())
                .backend("scalar")
                .host("127.0.0.1").port(0).metricsPort(-1)
                .maxConcurrent(maxConcurrent).shutdownGrace(grace).streamBuffer(4);
    }

    /** Started and loaded: SERVING. */
    static TestServer serving(ServerConfig config, Module... overrides) throws Exception {
        TestServer test = new TestServer(config, List.of(overrides));
        test.server.load();
        return test;
    }

    /** Started, model not loaded yet: NOT_SERVING. */
    static TestServer starting(ServerConfig config, Module... overrides) throws Exception {
        return new TestServer(config, List.of(overrides));
    }

    TextGenerationGrpc.TextGenerationBlockingStub stub() {
        return TextGenerationGrpc.newBlockingStub(channel);
    }

    EngineStats engineStats() {
        return injector.getInstance(GenerationEngine.class).stats();
    }

    /** What the metrics endpoint would serve now, in the Prometheus text format, parsed. */
    TextFormat metrics() {
        return TextFormat.parse(new String(injector.getInstance(ServerMetrics.class).exposition().scrape(null).body(),
                StandardCharsets.UTF_8));
    }

    /** Waits for the engine to hold exactly {@code active} requests. */
    void awaitActive(int active) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (engineStats().active() != active) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("engine still holds " + engineStats() + ", expected " + active + " active");
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            server.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
