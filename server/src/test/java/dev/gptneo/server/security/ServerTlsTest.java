package dev.gptneo.server.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptneo.model.Fixtures;
import io.grpc.InsecureServerCredentials;
import io.grpc.TlsServerCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The TLS files are read and checked at start-up; a wrong one is named with its flag. */
class ServerTlsTest {

    private static final Path TLS = Fixtures.testdata().resolve("tls");
    private static final Path CERT = TLS.resolve("server.pem");
    private static final Path KEY = TLS.resolve("server-key.pem");
    private static final Path CA = TLS.resolve("ca.pem");

    @Test
    void withoutACertificateThePortIsPlaintext() {
        assertInstanceOf(InsecureServerCredentials.class, ServerTls.credentials(SecurityConfig.NONE));
    }

    @Test
    void theCertificateAndKeyAreServedAndAClientCaMakesClientCertificatesRequired() throws Exception {
        TlsServerCredentials tls = assertInstanceOf(TlsServerCredentials.class,
                ServerTls.credentials(new SecurityConfig(CERT, KEY, null, null)));
        assertArrayEquals(Files.readAllBytes(CERT), tls.getCertificateChain());
        assertArrayEquals(Files.readAllBytes(KEY), tls.getPrivateKey());
        assertEquals(TlsServerCredentials.ClientAuth.NONE, tls.getClientAuth());

        TlsServerCredentials mutual = assertInstanceOf(TlsServerCredentials.class,
                ServerTls.credentials(new SecurityConfig(CERT, KEY, CA, null)));
        assertEquals(TlsServerCredentials.ClientAuth.REQUIRE, mutual.getClientAuth());
        assertArrayEquals(Files.readAllBytes(CA), mutual.getRootCertificates());
    }

    @Test
    void aFileThatIsMissingOrOfTheWrongKindIsNamedWithItsFlag() {
        Path missing = TLS.resolve("missing.pem");
        assertEquals("--tls-cert " + missing + ": no such file", failure(missing, KEY, null));
        assertEquals("--tls-cert " + KEY + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                failure(KEY, KEY, null));
        assertEquals("--tls-key " + CERT + ": holds no unencrypted PKCS#8 PEM private key"
                + " (-----BEGIN PRIVATE KEY-----; openssl pkcs8 -topk8 -nocrypt converts one)", failure(CERT, CERT, null));
        assertEquals("--tls-key " + missing + ": no such file", failure(CERT, missing, null));
        assertEquals("--tls-client-ca " + KEY + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                failure(CERT, KEY, KEY));
    }

    /** The pair is checked at start-up: a mismatch would otherwise fail every client's handshake, with no word at start. */
    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedNamingBothFiles() {
        Path other = TLS.resolve("client-key.pem");
        assertEquals("--tls-key " + other + " is not the private key of the certificate in --tls-cert " + CERT
                + ": give the key the certificate was issued for", failure(CERT, other, null));
    }

    private static String failure(Path cert, Path key, Path clientCa) {
        return assertThrows(IllegalArgumentException.class,
                () -> ServerTls.credentials(new SecurityConfig(cert, key, clientCa, null))).getMessage();
    }
}
