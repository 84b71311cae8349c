package dev.gptneo.server.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The one line the server logs when its settings expose more than the operator may think: a
 * port reachable from the network without TLS, or bearer tokens sent in the clear.
 */
public final class PlaintextWarning {

    private PlaintextWarning() {
    }

    /** The warning for listening on {@code host} with {@code security}, if any. */
    public static Optional<String> of(String host, SecurityConfig security) {
        if (security.tls()) {
            return Optional.empty();
        }
        boolean tokens = security.authTokenFile() != null;
        if (!loopback(host)) {
            return Optional.of("serving on " + host + " without TLS: anyone on the network can read the prompts"
                    + (tokens ? ", the generated text and the bearer tokens" : " and the generated text")
                    + "; give --tls-cert and --tls-key, or --host 127.0.0.1");
        }
        if (tokens) {
            return Optional.of("bearer tokens are accepted over plaintext on " + host
                    + ": give --tls-cert and --tls-key, so that they are not sent in the clear");
        }
        return Optional.empty();
    }

    /** Whether {@code host} is a loopback address; a name that does not resolve is not. */
    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
