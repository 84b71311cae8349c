package dev.gptneo.server.security;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * The gRPC port's transport credentials: plaintext, TLS, or TLS that requires a client certificate
 * signed by the given CA. Every file is read and parsed here, at start-up, so that a wrong one
 * fails with its flag and path named rather than with Netty's words at the first handshake.
 */
public final class ServerTls {

    private ServerTls() {
    }

    /** @throws IllegalArgumentException naming the flag and file that cannot be read or parsed */
    public static ServerCredentials credentials(SecurityConfig security) {
        if (!security.tls()) {
            return InsecureServerCredentials.create();
        }
        byte[] chain = certificates("--tls-cert", security.tlsCert());
        byte[] key = privateKey(chain, security.tlsKey());
        KeyPairCheck.requireMatch(chain, security.tlsCert(), key, security.tlsKey());
        try {
            TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder().keyManager(in(chain), in(key));
            if (security.tlsClientCa() != null) {
                tls.trustManager(in(certificates("--tls-client-ca", security.tlsClientCa())))
                        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
            }
            return tls.build();
        } catch (IOException e) {
            // Reading a byte array does not fail.
            throw new UncheckedIOException(e);
        }
    }

    /** The file's bytes, once the JDK has found at least one PEM certificate in them. */
    private static byte[] certificates(String flag, Path pem) {
        byte[] bytes = FlagFile.read(flag, pem);
        try {
            if (!CertificateFactory.getInstance("X.509").generateCertificates(in(bytes)).isEmpty()) {
                return bytes;
            }
        } catch (CertificateException e) {
            // Not a certificate: said below.
        }
        throw FlagFile.problem(flag, pem, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }

    /**
     * The key file's bytes, once Netty (which the transport uses) has read a private key from them;
     * the chain is known to be good, so a failure here is the key's.
     */
    private static byte[] privateKey(byte[] chain, Path pem) {
        byte[] bytes = FlagFile.read("--tls-key", pem);
        try {
            SslContextBuilder.forServer(in(chain), in(bytes));
            return bytes;
        } catch (IllegalArgumentException e) {
            throw FlagFile.problem("--tls-key", pem, "holds no unencrypted PKCS#8 PEM private key"
                    + " (-----BEGIN PRIVATE KEY-----; openssl pkcs8 -topk8 -nocrypt converts one)");
        }
    }

    private static InputStream in(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }
}
