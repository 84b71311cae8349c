package dev.gptneo.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;

/**
 * The gRPC side: the transport (Netty on the configured address, plaintext or TLS as the
 * security module says, within its HTTP/2 limits; tests bind an in-process one instead) and the
 * health service's state.
 */
public final class GrpcModule extends AbstractModule {

    @Provides
    @Singleton
    HealthStatusManager health() {
        return new HealthStatusManager();
    }

    @Provides
    ServerBuilder<?> transport(ServerConfig config, ServerCredentials credentials) {
        return netty(config, credentials);
    }

    /**
     * Netty as {@code serve} runs it: for a test that adds its own interceptors, and keeps the
     * transport's limits and its freeing of a cancelled call's slot at once.
     */
    public static NettyServerBuilder netty(ServerConfig config, ServerCredentials credentials) {
        return NettyLimits.apply(NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()),
                                credentials), config.connectionLimits())
                .intercept(new TransportBacklog())
                .addStreamTracerFactory(new StreamCancellation());
    }
}
