package dev.gptneo.server.security;

import java.nio.file.Path;

/**
 * How the gRPC port protects itself: TLS, mutual TLS, and bearer tokens, each off unless its
 * files are given. The flag names in the messages are {@code serve}'s, which set these fields.
 *
 * @param tlsCert the PEM certificate chain the server presents; null: plaintext (h2c)
 * @param tlsKey the certificate's private key, unencrypted PKCS#8 PEM; given with {@code tlsCert}
 * @param tlsClientCa PEM certificates of the CAs a client's certificate must be signed by (mutual
 *     TLS: a client without such a certificate cannot connect); null: no client certificate asked for
 * @param authTokenFile the accepted bearer tokens, one a line ({@link TokenFile}); null: no token asked for
 */
public record SecurityConfig(Path tlsCert, Path tlsKey, Path tlsClientCa, Path authTokenFile) {

    /** Plaintext, and no token: for loopback. */
    public static final SecurityConfig NONE = new SecurityConfig(null, null, null, null);

    /** @throws IllegalArgumentException when TLS files are given without the ones they need */
    public SecurityConfig {
        if (tlsCert != null && tlsKey == null) {
            throw new IllegalArgumentException("--tls-cert needs --tls-key: the certificate's private key");
        }
        if (tlsKey != null && tlsCert == null) {
            throw new IllegalArgumentException("--tls-key needs --tls-cert: the certificate it belongs to");
        }
        if (tlsClientCa != null && tlsCert == null) {
            throw new IllegalArgumentException(
                    "--tls-client-ca needs --tls-cert and --tls-key: client certificates are checked within TLS");
        }
    }

    /** Whether the port speaks TLS. */
    public boolean tls() {
        return tlsCert != null;
    }
}
