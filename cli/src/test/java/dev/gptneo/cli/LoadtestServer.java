package dev.gptneo.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Provides;
import com.google.inject.util.Modules;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.engine.EngineStats;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.server.GptNeoServer;
import dev.gptneo.server.GrpcModule;
import dev.gptneo.server.ServerConfig;
import dev.gptneo.server.ServerModules;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The server {@code loadtest} is tested against: the real one (the tiny fixture on the scalar
 * backend) on 127.0.0.1 at a free port, as {@code serve} runs it, or on a transport that records
 * the prompt and authorization header of each TextGeneration call it is sent and can refuse every
 * second one.
 */
final class LoadtestServer implements AutoCloseable {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** The prompts the server was sent, in the order their calls arrived (guarded by itself). */
    final List<List<Integer>> prompts = new ArrayList<>();
    /** Each call's authorization header ("none" without one), in the same order (guarded by {@link #prompts}). */
    final List<String> authorizations = new ArrayList<>();
    /** When set, every second TextGeneration call (the 2nd, 4th, ...) is closed with it at once. */
    volatile Status refusal;
    private int arrivals;
    private final Injector injector;
    private final GptNeoServer server;

    /**
     * Loaded and SERVING, with {@code maxConcurrent} slots, room for {@code maxQueued} more to
     * wait (0: a call beyond the slots is refused), and the stall limit {@code stallTimeout}.
     * {@code recording}: on a plain Netty transport that records and refuses calls; else on the
     * production one, whose limits (a reader's backlog in the transport of one message, above all)
     * the stall limit needs.
     */
    private LoadtestServer(int maxConcurrent, int maxQueued, Duration stallTimeout, boolean recording) throws Exception {
        ServerConfig config = ServerConfig.builder(Fixtures.checkpoint("tiny-gpt-neo").toString())
                .backend("scalar")
                .host("127.0.0.1").port(0).metricsPort(-1)
                .maxConcurrent(maxConcurrent).maxQueued(maxQueued).shutdownGrace(Duration.ZERO)
                .stallTimeout(stallTimeout)
                .build();
        AbstractModule recorded = new AbstractModule() {
            @Provides
            ServerBuilder<?> transport(ServerCredentials credentials) {
                // serve's own transport, which frees a cancelled call's slot before the next call is read.
                return GrpcModule.netty(config, credentials).intercept(recorder());
            }
        };
        injector = Guice.createInjector(recording
                ? Modules.override(ServerModules.production(config)).with(recorded)
                : ServerModules.production(config));
        server = injector.getInstance(GptNeoServer.class).start();
        server.load();
    }

    /** Recording the prompts and authorization headers it is sent, and refusing every second call once told {@link #refusal}. */
    static LoadtestServer recording(int maxConcurrent, int maxQueued) throws Exception {
        return new LoadtestServer(maxConcurrent, maxQueued, Duration.ofSeconds(ServerConfig.DEFAULT_STALL_TIMEOUT_SECONDS),
                true);
    }

    /** As {@code serve} runs it, with this stall limit; it records nothing. */
    static LoadtestServer production(int maxConcurrent, int maxQueued, Duration stallTimeout) throws Exception {
        return new LoadtestServer(maxConcurrent, maxQueued, stallTimeout, false);
    }

    String target() {
        return "127.0.0.1:" + server.port();
    }

    EngineStats engineStats() {
        return injector.getInstance(GenerationEngine.class).stats();
    }

    /** Waits until the engine holds no generation: a dropped connection's is freed as the server hears of it. */
    void awaitIdle() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (engineStats().active() != 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the engine still holds " + engineStats());
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        try {
            server.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Health checks (the SDK's channels watch the server's health) pass by unrecorded and never refused. */
    private ServerInterceptor recorder() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                if (!TextGenerationGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
                    return next.startCall(call, headers);
                }
                Status refused;
                synchronized (prompts) {
                    refused = refusal != null && ++arrivals % 2 == 0 ? refusal : null;
                }
                if (refused != null) {
                    call.close(refused, new Metadata());
                    return new ServerCall.Listener<>() { };
                }
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
                    @Override
                    public void onMessage(Q message) {
                        if (message instanceof GenerateRequest request) {
                            synchronized (prompts) {
                                prompts.add(request.getPromptIds().getIdsList());
                                authorizations.add(Objects.requireNonNullElse(headers.get(AUTHORIZATION), "none"));
                            }
                        }
                        super.onMessage(message);
                    }
                };
            }
        };
    }
}
