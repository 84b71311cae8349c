package dev.gptneo.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When the server's log warns that it is exposed. */
class PlaintextWarningTest {

    private static final SecurityConfig TOKENS = new SecurityConfig(null, null, null, Path.of("tokens"));
    private static final SecurityConfig TLS = new SecurityConfig(Path.of("c.pem"), Path.of("k.pem"), null, null);
    private static final SecurityConfig TLS_AND_TOKENS =
            new SecurityConfig(Path.of("c.pem"), Path.of("k.pem"), null, Path.of("tokens"));

    @Test
    void plaintextOnANetworkAddressIsWarnedAbout() {
        assertEquals(Optional.of("serving on 0.0.0.0 without TLS: anyone on the network can read the prompts and"
                + " the generated text; give --tls-cert and --tls-key, or --host 127.0.0.1"),
                PlaintextWarning.of("0.0.0.0", SecurityConfig.NONE));
        assertEquals(Optional.of("serving on 0.0.0.0 without TLS: anyone on the network can read the prompts, the"
                + " generated text and the bearer tokens; give --tls-cert and --tls-key, or --host 127.0.0.1"),
                PlaintextWarning.of("0.0.0.0", TOKENS));
        assertEquals(Optional.empty(), PlaintextWarning.of("0.0.0.0", TLS));
    }

    @Test
    void tokensOverPlaintextAreWarnedAboutEvenOnLoopback() {
        assertEquals(Optional.of("bearer tokens are accepted over plaintext on 127.0.0.1: give --tls-cert and"
                + " --tls-key, so that they are not sent in the clear"), PlaintextWarning.of("127.0.0.1", TOKENS));
        assertEquals(Optional.empty(), PlaintextWarning.of("127.0.0.1", TLS_AND_TOKENS));
    }

    @Test
    void plaintextOnLoopbackWithoutTokensIsTheQuietDefault() {
        assertEquals(Optional.empty(), PlaintextWarning.of("127.0.0.1", SecurityConfig.NONE));
        assertEquals(Optional.empty(), PlaintextWarning.of("localhost", SecurityConfig.NONE));
        assertEquals(Optional.empty(), PlaintextWarning.of("::1", SecurityConfig.NONE));
    }
}
