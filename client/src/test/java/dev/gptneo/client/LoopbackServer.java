package dev.gptneo.client;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Provides;
import com.google.inject.util.Modules;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.engine.EngineStats;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.server.GptNeoServer;
import dev.gptneo.server.ServerConfig;
import dev.gptneo.server.ServerModules;
import dev.gptneo.server.metrics.ServerMetrics;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The real server (its production Guice modules) on 127.0.0.1 with a free port, serving the tiny
 * fixture model on the scalar backend; interceptors let a test watch or disturb its calls.
 */
final class LoopbackServer implements AutoCloseable {

    private final Injector injector;
    private final GptNeoServer server;
    private boolean stopped;

    private LoopbackServer(int maxConcurrent, int maxQueued, ServerInterceptor... interceptors) throws Exception {
        ServerConfig config = ServerConfig.builder(Fixtures.checkpoint("tiny-gpt-neo").toString())
                .host("127.0.0.1").port(0).metricsPort(-1)
                .maxConcurrent(maxConcurrent).maxQueued(maxQueued).shutdownGrace(Duration.ZERO).streamBuffer(4)
                .build();
        AbstractModule intercepted = new AbstractModule() {
            @Provides
            ServerBuilder<?> transport() {
                ServerBuilder<?> builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), 0));
                for (ServerInterceptor interceptor : interceptors) {
                    builder.intercept(interceptor);
                }
                return builder;
            }
        };
        injector = Guice.createInjector(Modules.override(ServerModules.production(config)).with(intercepted));
        server = injector.getInstance(GptNeoServer.class).start();
    }

    /** Loaded and SERVING, with the default queue. */
    static LoopbackServer serving(int maxConcurrent, ServerInterceptor... interceptors) throws Exception {
        return serving(maxConcurrent, ServerConfig.DEFAULT_MAX_QUEUED, interceptors);
    }

    /** Loaded and SERVING; {@code maxQueued} 0 refuses a generation beyond {@code maxConcurrent} at once. */
    static LoopbackServer serving(int maxConcurrent, int maxQueued, ServerInterceptor... interceptors) throws Exception {
        LoopbackServer loopback = new LoopbackServer(maxConcurrent, maxQueued, interceptors);
        loopback.server.load();
        return loopback;
    }

    /** Listening, model not loaded: health NOT_SERVING, generation calls UNAVAILABLE. */
    static LoopbackServer starting(ServerInterceptor... interceptors) throws Exception {
        return new LoopbackServer(1, ServerConfig.DEFAULT_MAX_QUEUED, interceptors);
    }

    String target() {
        return "127.0.0.1:" + server.port();
    }

    EngineStats engineStats() {
        return injector.getInstance(GenerationEngine.class).stats();
    }

    /** The Prometheus text the metrics endpoint would serve. */
    String metrics() {
        byte[] text = injector.getInstance(ServerMetrics.class).exposition().scrape(null).body();
        return new String(text, StandardCharsets.UTF_8);
    }

    /** Waits until the engine holds exactly {@code active} generations. */
    void awaitActive(int active) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (engineStats().active() != active) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("engine holds " + engineStats() + ", expected " + active + " active");
            }
            Thread.sleep(5);
        }
    }

    /**
     * Waits until the metrics contain {@code text}: a cancel frees the slot at once, and the
     * engine reports the cancelled generation's end at its next step.
     */
    void awaitMetric(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!metrics().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("metrics lack " + text + ":\n" + metrics());
            }
            Thread.sleep(5);
        }
    }

    /** Shuts the server down (running generations end UNAVAILABLE); once, however often it is called. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            server.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
