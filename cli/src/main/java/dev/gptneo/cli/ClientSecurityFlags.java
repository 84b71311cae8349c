package dev.gptneo.cli;

import dev.gptneo.client.GptNeoClientBuilder;
import dev.gptneo.server.security.TokenFile;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/**
 * How {@code client generate} and {@code loadtest} reach a protected server: TLS (with a client
 * certificate for mutual TLS) and a bearer token, which is only sent over TLS unless told otherwise.
 */
final class ClientSecurityFlags {

    @Option(names = "--tls", description = "connect with TLS, trusting the JDK's certificate authorities"
            + " (default: plaintext)")
    boolean tls;

    @Option(names = "--tls-roots", paramLabel = "PEM",
            description = "connect with TLS, trusting these certificates (default: the JDK's, with --tls)")
    Path tlsRoots;

    @Option(names = "--tls-cert", paramLabel = "PEM",
            description = "connect with TLS, presenting this client certificate (with --tls-key) to a server that"
                    + " asks for one (default: none)")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM",
            description = "the client certificate's private key, unencrypted PKCS#8 PEM (default: none)")
    Path tlsKey;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "send \"authorization: Bearer TOKEN\" (default: no authorization header)")
    String token;

    @Option(names = "--auth-token-file", paramLabel = "FILE",
            description = "send the first token of FILE (serve's format), kept out of the process list (default: none)")
    Path authTokenFile;

    @Option(names = "--allow-token-over-plaintext",
            description = "send the token without TLS: only to a server on loopback (default: refused)")
    boolean tokenOverPlaintext;

    /**
     * The flags' TLS and token, checked (and the token file read) once, as something that sets a
     * builder up: loadtest sets up several connections alike.
     */
    UnaryOperator<GptNeoClientBuilder> security() throws UsageException {
        if (tlsCert == null ^ tlsKey == null) {
            throw new UsageException("--tls-cert and --tls-key go together: a client certificate and its private key");
        }
        String bearer = token();
        boolean secured = tls || tlsRoots != null || tlsCert != null;
        if (bearer != null && !secured && !tokenOverPlaintext) {
            throw new UsageException("a token without TLS would be sent in the clear: add --tls or --tls-roots PEM,"
                    + " or --allow-token-over-plaintext for a server on loopback");
        }
        return builder -> {
            if (tls) {
                builder.tls();
            }
            if (tlsRoots != null) {
                builder.tls(tlsRoots);
            }
            if (tlsCert != null) {
                builder.clientCertificate(tlsCert, tlsKey);
            }
            if (bearer != null) {
                builder.bearerToken(bearer);
            }
            if (tokenOverPlaintext) {
                builder.allowTokenOverPlaintext();
            }
            return builder;
        };
    }

    /** The token to send, from --token or --auth-token-file; null for none. */
    private String token() throws UsageException {
        if (token != null && authTokenFile != null) {
            throw new UsageException("--token and --auth-token-file exclude each other");
        }
        // A file that cannot be read, or holds no token, fails naming the flag and file.
        return authTokenFile == null ? token : TokenFile.tokens(authTokenFile).getFirst();
    }
}
