package dev.gptneo.cli;

import dev.gptneo.client.GptNeoClient;
import dev.gptneo.client.GptNeoClientBuilder;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where the server is and how to reach it (TLS, a token): the flags {@code client generate} and
 * {@code loadtest} share, so that both connect the same way and refuse the same mistakes.
 */
final class ConnectionFlags {

    @Option(names = "--target", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "a server (host:port), several separated by commas, or a gRPC target (dns:///name:port)"
                    + " (required)")
    String target;

    @Mixin
    ClientSecurityFlags security;

    /**
     * Builders of clients for the flags' server, each set up alike and afresh (a builder is not
     * shared); flags that do not go together are a usage error here, before anything connects.
     */
    Supplier<GptNeoClientBuilder> clients() throws UsageException {
        UnaryOperator<GptNeoClientBuilder> secured = security.security();
        return () -> secured.apply(target.contains(",")
                ? GptNeoClient.builder().targets(target.split(","))
                : GptNeoClient.builder().target(target));
    }
}
