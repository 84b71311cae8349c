package dev.gptneo.server.security;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gptneo.server.ServerConfig;
import io.grpc.ServerCredentials;
import java.util.Optional;

/**
 * The gRPC port's protection, from {@link ServerConfig#security()}: its transport credentials
 * (plaintext or TLS) and, with a token file, the token check. Both are built when the server is,
 * so a file that cannot be used stops start-up.
 */
public final class SecurityModule extends AbstractModule {

    @Provides
    @Singleton
    ServerCredentials credentials(ServerConfig config) {
        return ServerTls.credentials(config.security());
    }

    @Provides
    @Singleton
    Optional<BearerTokenInterceptor> authentication(ServerConfig config) {
        return Optional.ofNullable(config.security().authTokenFile())
                .map(file -> new BearerTokenInterceptor(TokenFile.load(file)));
    }
}
