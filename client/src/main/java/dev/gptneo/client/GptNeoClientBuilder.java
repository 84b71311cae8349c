package dev.gptneo.client;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Configures a {@link GptNeoClient}: where the servers are, how to reach them, how long to wait. */
public final class GptNeoClientBuilder {

    private String target;
    private boolean tls;
    private Path trustRoots;
    private CallCredentials credentials;
    private Duration deadline;
    private int maxAttempts = 4;

    GptNeoClientBuilder() {
    }

    /**
     * One server, {@code host:port}, or any gRPC target such as {@code dns:///fleet.example:50051}:
     * calls are spread over every address the name resolves to.
     */
    public GptNeoClientBuilder target(String target) {
        this.target = target;
        return this;
    }

    /** A fixed fleet of {@code host:port} servers; calls are spread over those that are healthy. */
    public GptNeoClientBuilder targets(String... hostPorts) {
        this.target = AddressListResolverProvider.target(List.of(hostPorts));
        return this;
    }

    /** Connect with TLS, trusting the JDK's certificate authorities. */
    public GptNeoClientBuilder tls() {
        this.tls = true;
        return this;
    }

    /** Connect with TLS, trusting the certificates in this PEM file (e.g. a private CA). */
    public GptNeoClientBuilder tls(Path trustRootsPem) {
        this.tls = true;
        this.trustRoots = trustRootsPem;
        return this;
    }

    /** Send {@code authorization: Bearer <token>} with every call. */
    public GptNeoClientBuilder bearerToken(String token) {
        this.credentials = new BearerToken(token);
        return this;
    }

    /** The time each call may take, from its start to its last message; default: no limit. */
    public GptNeoClientBuilder deadline(Duration deadline) {
        this.deadline = deadline;
        return this;
    }

    /** How often to try a call that failed UNAVAILABLE before it streamed anything (default 4; 1: no retry). */
    public GptNeoClientBuilder maxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
        }
        this.maxAttempts = attempts;
        return this;
    }

    /** Opens the channel; it connects lazily, on the first call. */
    public GptNeoClient build() {
        if (target == null) {
            throw new IllegalStateException("no target: call target(...) or targets(...)");
        }
        var channel = Grpc.newChannelBuilder(target, channelCredentials())
                .defaultServiceConfig(ServiceConfig.of(maxAttempts))
                .enableRetry()
                .maxRetryAttempts(maxAttempts)
                .build();
        return new GptNeoClient(channel, credentials, deadline);
    }

    private ChannelCredentials channelCredentials() {
        if (!tls) {
            return InsecureChannelCredentials.create();
        }
        TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
        if (trustRoots != null) {
            try {
                builder.trustManager(trustRoots.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read trust roots " + trustRoots, e);
            }
        }
        return builder.build();
    }
}
