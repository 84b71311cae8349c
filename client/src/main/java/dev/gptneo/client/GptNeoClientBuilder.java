package dev.gptneo.client;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Configures a {@link GptNeoClient}: where the servers are, how to reach them, how long to wait.
 * A bearer token is only sent over TLS, unless {@link #allowTokenOverPlaintext()} says otherwise.
 */
public final class GptNeoClientBuilder {

    private String target;
    private boolean tls;
    private Path trustRoots;
    private Path clientCertificate;
    private Path clientKey;
    private CallCredentials credentials;
    private boolean tokenOverPlaintext;
    private Duration deadline;
    private int maxAttempts = 4;
    private UnaryOperator<ManagedChannelBuilder<?>> channelSettings = UnaryOperator.identity();

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

    /**
     * Connect with TLS, presenting this certificate to a server that asks for one (mutual TLS:
     * {@code serve --tls-client-ca}).
     *
     * @param certificateChainPem the client's certificate, then any intermediate CAs', in PEM
     * @param privateKeyPem the certificate's private key, unencrypted PKCS#8 PEM
     */
    public GptNeoClientBuilder clientCertificate(Path certificateChainPem, Path privateKeyPem) {
        this.tls = true;
        this.clientCertificate = certificateChainPem;
        this.clientKey = privateKeyPem;
        return this;
    }

    /**
     * Send {@code authorization: Bearer <token>} with every call. Over plaintext anyone on the
     * way can read the token and use it, so {@link #build()} refuses a token without TLS unless
     * {@link #allowTokenOverPlaintext()} is called.
     */
    public GptNeoClientBuilder bearerToken(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the bearer token is empty");
        }
        this.credentials = new BearerToken(token);
        return this;
    }

    /**
     * Let {@link #bearerToken} travel over a plaintext channel: for a server on loopback (a test,
     * a sidecar), where no one else sees the traffic. Nowhere else: use TLS.
     */
    public GptNeoClientBuilder allowTokenOverPlaintext() {
        this.tokenOverPlaintext = true;
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

    /**
     * Changes to the gRPC channel's builder, for what this builder has no method for: a load
     * generator's small HTTP/2 window, or gRPC's retries turned off altogether, transparent ones
     * included. Applied last, after this builder's own settings, so it overrides them; the
     * builder is gRPC's Netty one ({@code io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder}).
     */
    public GptNeoClientBuilder configureChannel(UnaryOperator<ManagedChannelBuilder<?>> settings) {
        this.channelSettings = settings;
        return this;
    }

    /**
     * Opens the channel; it connects lazily, on the first call.
     *
     * @throws IllegalStateException without a target, or with a bearer token over plaintext not allowed
     * @throws IllegalArgumentException when a TLS file cannot be read or parsed
     */
    public GptNeoClient build() {
        if (target == null) {
            throw new IllegalStateException("no target: call target(...) or targets(...)");
        }
        if (credentials != null && !tls && !tokenOverPlaintext) {
            throw new IllegalStateException("bearerToken(...) without TLS would send the token in the clear: call"
                    + " tls() or tls(Path) (the server runs with --tls-cert), or allowTokenOverPlaintext() for a"
                    + " server on loopback");
        }
        var channel = channelSettings.apply(channelBuilder()
                        .defaultServiceConfig(ServiceConfig.of(maxAttempts))
                        .enableRetry()
                        .maxRetryAttempts(maxAttempts))
                .build();
        return new GptNeoClient(channel, credentials, deadline);
    }

    /** The channel's builder; Netty parses the TLS files here, and its complaint is given with their names. */
    private ManagedChannelBuilder<?> channelBuilder() {
        ChannelCredentials channelCredentials = channelCredentials();
        try {
            return Grpc.newChannelBuilder(target, channelCredentials);
        } catch (RuntimeException e) {
            if (!tls) {
                throw e;
            }
            throw new IllegalArgumentException("cannot use the TLS files " + tlsFiles() + ": " + e.getMessage(), e);
        }
    }

    private String tlsFiles() {
        List<String> files = new ArrayList<>();
        if (trustRoots != null) {
            files.add("trust roots " + trustRoots);
        }
        if (clientCertificate != null) {
            files.add("client certificate " + clientCertificate + " and key " + clientKey);
        }
        return String.join(", ", files);
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
        if (clientCertificate != null) {
            try {
                builder.keyManager(clientCertificate.toFile(), clientKey.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read client certificate " + clientCertificate + " or key "
                        + clientKey, e);
            }
        }
        return builder.build();
    }
}
