package dev.gptneo.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The TLS files come in the combinations that work, or the flag missing is named. */
class SecurityConfigTest {

    private static final Path CERT = Path.of("server.pem");
    private static final Path KEY = Path.of("server-key.pem");
    private static final Path CA = Path.of("ca.pem");

    @Test
    void aCertificateNeedsItsKeyAndAKeyItsCertificate() {
        assertEquals("--tls-cert needs --tls-key: the certificate's private key",
                assertThrows(IllegalArgumentException.class, () -> new SecurityConfig(CERT, null, null, null))
                        .getMessage());
        assertEquals("--tls-key needs --tls-cert: the certificate it belongs to",
                assertThrows(IllegalArgumentException.class, () -> new SecurityConfig(null, KEY, null, null))
                        .getMessage());
    }

    @Test
    void clientCertificatesNeedTls() {
        assertEquals("--tls-client-ca needs --tls-cert and --tls-key: client certificates are checked within TLS",
                assertThrows(IllegalArgumentException.class, () -> new SecurityConfig(null, null, CA, null))
                        .getMessage());
        assertTrue(new SecurityConfig(CERT, KEY, CA, null).tls());
        assertFalse(new SecurityConfig(null, null, null, Path.of("tokens")).tls());
    }
}
