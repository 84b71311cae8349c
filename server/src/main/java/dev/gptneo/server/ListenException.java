package dev.gptneo.server;

import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;
import java.util.Locale;

/**
 * The server cannot listen on one of its addresses. The transports say only "Address already in
 * use" (the metrics socket) or "Failed to bind to address /127.0.0.1:50051" (Netty), which leaves
 * a user with two ports to guess between; this names the address, the flag that sets it, and
 * what to do.
 */
public final class ListenException extends IOException {

    /** The flags of {@code serve} that set the gRPC address. */
    static final Flags GRPC = new Flags("--host", "--port");
    /** The flags of {@code serve} that set the metrics endpoint's address. */
    static final Flags METRICS = new Flags("--metrics-host", "--metrics-port");

    /** The flag naming an address's host and the one naming its port. */
    record Flags(String host, String port) {
    }

    private static final String IN_USE = "address already in use";
    private static final String NO_PRIVILEGE = "permission denied";
    private static final String NOT_HERE = "cannot assign requested address";
    private static final String UNKNOWN_HOST = "unknown host";
    private static final List<String> KNOWN = List.of(IN_USE, NO_PRIVILEGE, NOT_HERE);

    ListenException(String host, int port, Flags flags, Throwable cause) {
        super(message(host, port, flags, problem(cause)), cause);
    }

    /** "cannot listen on HOST:PORT (the flag at fault): what is wrong; what to do". */
    private static String message(String host, int port, Flags flags, String problem) {
        String flag = switch (problem) {
            case IN_USE, NO_PRIVILEGE -> flags.port();
            case NOT_HERE, UNKNOWN_HOST -> flags.host();
            default -> flags.host() + ", " + flags.port();
        };
        String why = switch (problem) {
            case IN_USE -> IN_USE + "; stop the other server or choose another port";
            case NO_PRIVILEGE -> NO_PRIVILEGE + "; ports below 1024 need privileges, choose another port";
            case NOT_HERE -> "no interface of this machine has that address; use 127.0.0.1, 0.0.0.0 (every"
                    + " interface) or one of its own addresses";
            case UNKNOWN_HOST -> "cannot resolve host " + host;
            default -> problem;
        };
        String address = (host.contains(":") ? "[" + host + "]" : host) + ":" + port; // [::]:50051
        return "cannot listen on " + address + " (" + flag + "): " + why;
    }

    /**
     * What the cause chain says went wrong, in lower case: the operating system's words for the
     * common cases ("address already in use"), which the JDK and Netty's native transport both
     * put in their messages, or else the innermost message.
     */
    private static String problem(Throwable cause) {
        String innermost = cause.toString();
        for (Throwable e = cause; e != null; e = e.getCause()) {
            if (e instanceof UnresolvedAddressException || e instanceof UnknownHostException
                    || "Unresolved address".equals(e.getMessage())) {
                return UNKNOWN_HOST;
            }
            String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
            for (String known : KNOWN) {
                if (message.contains(known)) {
                    return known;
                }
            }
            innermost = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return innermost;
    }
}
