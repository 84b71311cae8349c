package dev.gptneo.cli;

import dev.gptneo.server.security.SecurityConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code serve}'s TLS and bearer-token options; each protection is off until its file is given. */
final class ServerSecurityFlags {

    @Option(names = "--tls-cert", paramLabel = "PEM",
            description = "serve TLS with this certificate chain, given with --tls-key (default: plaintext)")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM",
            description = "the certificate's private key, unencrypted PKCS#8 PEM (default: none, plaintext)")
    Path tlsKey;

    @Option(names = "--tls-client-ca", paramLabel = "PEM",
            description = "mutual TLS: only clients with a certificate signed by one of these CAs connect"
                    + " (default: no client certificate asked for)")
    Path tlsClientCa;

    @Option(names = "--auth-token-file", paramLabel = "FILE",
            description = "calls need \"authorization: Bearer T\" for a token T of this file (one a line, blank lines"
                    + " and # comments ignored; re-read when it changes); health does not (default: no token needed)")
    Path authTokenFile;

    /** @throws IllegalArgumentException naming the flag a given one needs */
    SecurityConfig security() {
        return new SecurityConfig(tlsCert, tlsKey, tlsClientCa, authTokenFile);
    }
}
