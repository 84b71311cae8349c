package dev.gptneo.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.model.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bearer token is not sent in the clear by accident (GenerationTest sends one where allowed),
 * and TLS files that cannot be used are named at build(). The TLS handshakes themselves are tested
 * against {@code serve} in the cli module's SecureServeTest.
 */
class ChannelSecurityTest {

    @Test
    void aTokenOverPlaintextIsRefusedAtBuildNamingTheFix() {
        GptNeoClientBuilder plaintext = GptNeoClient.builder().target("127.0.0.1:50051").bearerToken("s3cr3t-token-123");
        IllegalStateException refused = assertThrows(IllegalStateException.class, plaintext::build);
        assertEquals("bearerToken(...) without TLS would send the token in the clear: call tls() or tls(Path) (the"
                + " server runs with --tls-cert), or allowTokenOverPlaintext() for a server on loopback",
                refused.getMessage());
    }

    @Test
    void aTokenOverTlsNeedsNoPermission() {
        GptNeoClient.builder().target("127.0.0.1:50051").tls().bearerToken("s3cr3t-token-123").build().close();
        GptNeoClient.builder().target("127.0.0.1:50051").bearerToken("s3cr3t-token-123")
                .clientCertificate(tls("client.pem"), tls("client-key.pem")).build().close();
    }

    @Test
    void anEmptyTokenIsRefused() {
        assertEquals("the bearer token is empty",
                assertThrows(IllegalArgumentException.class, () -> GptNeoClient.builder().bearerToken(" ")).getMessage());
    }

    @Test
    void aClientCertificateThatCannotBeUsedIsNamed(@TempDir Path dir) throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "not a key\n");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> GptNeoClient.builder()
                .target("127.0.0.1:50051").tls(tls("ca.pem")).clientCertificate(tls("client.pem"), junk).build());
        assertTrue(bad.getMessage().startsWith("cannot use the TLS files trust roots " + tls("ca.pem")
                + ", client certificate " + tls("client.pem") + " and key " + junk + ": "), bad::getMessage);
    }

    private static Path tls(String file) {
        return Fixtures.testdata().resolve("tls").resolve(file);
    }
}
