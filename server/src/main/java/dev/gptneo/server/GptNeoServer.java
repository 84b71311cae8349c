package dev.gptneo.server;

import com.google.inject.Inject;
import com.google.inject.Provider;
import com.google.inject.Singleton;
import dev.gptneo.model.engine.CompletionCollector;
import dev.gptneo.model.engine.EngineStats;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.server.metrics.MetricsEndpoint;
import dev.gptneo.server.metrics.MetricsInterceptor;
import dev.gptneo.server.metrics.ServerMetrics;
import dev.gptneo.server.security.BearerTokenInterceptor;
import dev.gptneo.server.security.PlaintextWarning;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The server's life: listen (health NOT_SERVING), load and warm up the model (SERVING), and on
 * shutdown stop taking calls, give running generations a grace period, then end them.
 *
 * <p>Reflection is served in both its versions, v1 and v1alpha. With a token file,
 * TextGeneration and reflection need a bearer token
 * ({@link BearerTokenInterceptor}); health never does.
 */
@Singleton
public final class GptNeoServer {

    private static final Logger LOG = Logger.getLogger(GptNeoServer.class.getName());
    private static final Duration WARM_UP_LIMIT = Duration.ofMinutes(5);
    /**
     * After the generations have ended, how long their statuses get to reach the clients before
     * the connections are reset: a reader that has stopped reading cannot take its status (HTTP/2
     * sends it behind data its window has no room for), and the exit stays within a second of
     * the grace period.
     */
    private static final Duration DRAIN_LIMIT = Duration.ofMillis(300);

    private final ServerConfig config;
    private final ServingState state;
    private final ServerMetrics metrics;
    private final Provider<GenerationEngine> engineProvider;
    private final Server server;
    private MetricsEndpoint metricsEndpoint;
    private volatile GenerationEngine engine;
    private final AtomicBoolean shuttingDown = new AtomicBoolean();

    @Inject
    GptNeoServer(ServerConfig config, ServerBuilder<?> transport, TextGenerationService service,
            HealthStatusManager health, MetricsInterceptor interceptor, Optional<BearerTokenInterceptor> authentication,
            ServingState state, ServerMetrics metrics, Provider<GenerationEngine> engineProvider) {
        this.config = config;
        this.state = state;
        this.metrics = metrics;
        this.engineProvider = engineProvider;
        // Read at each scrape: zeros until load(), the loaded engine's numbers after.
        metrics.observeEngine(this::engineStats);
        this.server = transport
                // The metrics count the calls the token check refuses, as UNAUTHENTICATED.
                .addService(ServerInterceptors.intercept(authenticated(service, authentication), interceptor))
                .addService(health.getHealthService())
                .addService(authenticated(ProtoReflectionServiceV1.newInstance(), authentication))
                .addService(authenticated(reflectionV1Alpha(), authentication))
                .build();
    }

    /**
     * Reflection's v1alpha, beside v1: Postman, Evans and older grpcurl speak only v1alpha.
     * grpc-java deprecates the class in favour of v1 but still ships it.
     */
    @SuppressWarnings("deprecation")
    private static BindableService reflectionV1Alpha() {
        return ProtoReflectionService.newInstance();
    }

    /**
     * Starts listening (and serving metrics); health says NOT_SERVING until {@link #load()}.
     *
     * @throws ListenException naming the address and the flag that sets it, when either port cannot be bound
     */
    public GptNeoServer start() throws IOException {
        PlaintextWarning.of(config.host(), config.security()).ifPresent(warning -> LOG.warning(warning));
        try {
            server.start();
        } catch (IOException e) {
            throw new ListenException(config.host(), config.port(), ListenException.GRPC, e);
        }
        if (config.metricsPort() >= 0) {
            try {
                metricsEndpoint = MetricsEndpoint.start(config.metricsHost(), config.metricsPort(), metrics.exposition());
            } catch (IOException e) {
                server.shutdownNow();
                throw new ListenException(config.metricsHost(), config.metricsPort(), ListenException.METRICS, e);
            }
        }
        return this;
    }

    /** Loads the model, runs one short generation so the first caller does not pay for warm-up, and serves. */
    public void load() throws InterruptedException, ExecutionException, TimeoutException {
        GenerationEngine loaded = engineProvider.get();
        CompletionCollector warmUp = new CompletionCollector();
        loaded.submit(new int[] {0}, GenerationParams.builder().maxNewTokens(2).build(), warmUp);
        warmUp.result().get(WARM_UP_LIMIT.toSeconds(), TimeUnit.SECONDS);
        engine = loaded;
        state.markServing();
    }

    /** The gRPC port (the one chosen, when configured as 0). */
    public int port() {
        return server.getPort();
    }

    /** The metrics port, or -1 without metrics. */
    public int metricsPort() {
        return metricsEndpoint == null ? -1 : metricsEndpoint.port();
    }

    /**
     * Health goes NOT_SERVING, new calls are refused, running generations may finish within the
     * configured grace period and are then ended with UNAVAILABLE "server shutting down".
     */
    public void shutdown() throws InterruptedException {
        if (!shuttingDown.compareAndSet(false, true)) {
            server.awaitTermination();
            return;
        }
        state.markStopping();
        server.shutdown();
        GenerationEngine running = engine;
        if (running != null) {
            running.shutdown(config.shutdownGrace());
        }
        if (!server.awaitTermination(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            server.shutdownNow();
        }
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** The service behind the token check, when there is one. */
    private static ServerServiceDefinition authenticated(BindableService service,
            Optional<BearerTokenInterceptor> authentication) {
        return authentication.map(check -> ServerInterceptors.intercept(service, check))
                .orElseGet(service::bindService);
    }

    private EngineStats engineStats() {
        GenerationEngine running = engine;
        return running == null ? new EngineStats(0, 0, 0, 0, 0, 0) : running.stats();
    }
}
