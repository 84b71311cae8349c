package dev.gptneo.cli;

import io.grpc.Status;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;

/**
 * A call that never reached the server, said in words that name the target and what to do. gRPC
 * reports every such failure as UNAVAILABLE "io exception" (or DEADLINE_EXCEEDED with its
 * internal delays); what went wrong is in the cause chain: a refused connection, a name that does
 * not resolve, a TLS handshake with a server that speaks plaintext, or the other way round.
 * Only the command line explains them so: the SDK's exceptions keep gRPC's status and cause for
 * programs to inspect.
 */
final class ConnectionFailure extends RuntimeException {

    private ConnectionFailure(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * {@code failure} explained, when it is a failure to reach {@code target} (the cause kept,
     * for {@code --verbose}); else {@code failure} itself, whose message is the server's answer.
     */
    static RuntimeException of(String target, RuntimeException failure) {
        return explain(target, failure).<RuntimeException>map(message -> new ConnectionFailure(message, failure))
                .orElse(failure);
    }

    /** One line naming the target and the cause, or empty when the failure came from the server itself. */
    static Optional<String> explain(String target, Throwable failure) {
        Status status = Status.fromThrowable(failure);
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            String description = String.valueOf(status.getDescription());
            return Optional.of(description.contains("was_still_waiting")
                    ? "could not connect to " + target + " before the deadline (--timeout-seconds): is it up,"
                            + " reachable and a gRPC server?"
                    : target + " did not answer before the deadline (--timeout-seconds)");
        }
        if (status.getCode() != Status.Code.UNAVAILABLE) {
            return Optional.empty();
        }
        Optional<UnknownHostException> unknown = find(failure, UnknownHostException.class, e -> true);
        if (unknown.isPresent()) {
            String host = String.valueOf(unknown.get().getMessage()).split(":", 2)[0];
            return Optional.of("cannot resolve host " + host + " (--target)");
        }
        if (find(failure, ConnectException.class, e -> String.valueOf(e.getMessage()).contains("Connection refused"))
                .isPresent()) {
            return Optional.of("nothing listening at " + target + ": connection refused; is the server running?"
                    + " (--target)");
        }
        if (find(failure, SSLException.class, e -> e.getClass().getSimpleName().equals("NotSslRecordException"))
                .isPresent()) {
            return Optional.of("TLS handshake with " + target + " failed: the server does not speak TLS; drop --tls"
                    + " and --tls-roots, or serve with --tls-cert");
        }
        if (find(failure, CertificateException.class, e -> true).isPresent()) {
            return Optional.of("TLS handshake with " + target + " failed: the server's certificate is not trusted"
                    + " (" + innermost(failure) + "); name the CA that signed it with --tls-roots PEM");
        }
        if (find(failure, SSLException.class, e -> e.getMessage() != null
                && e.getMessage().toLowerCase(Locale.ROOT).contains("certificate_required")).isPresent()) {
            return Optional.of("TLS handshake with " + target + " failed: the server asks for a client certificate;"
                    + " give one with --tls-cert PEM --tls-key PEM");
        }
        if (find(failure, SSLException.class, e -> true).isPresent()) {
            return Optional.of("TLS handshake with " + target + " failed: " + innermost(failure));
        }
        // A TLS server answers a plaintext HTTP/2 preface by closing, or resetting, the connection.
        if ("Network closed for unknown reason".equals(status.getDescription())
                || find(failure, Throwable.class, e -> String.valueOf(e.getMessage()).contains("Connection reset by peer"))
                        .isPresent()) {
            return Optional.of(target + " closed the connection before answering; if it serves TLS (serve"
                    + " --tls-cert), connect with --tls or --tls-roots PEM");
        }
        return status.getCause() == null ? Optional.empty()
                : Optional.of("cannot reach " + target + ": " + innermost(failure) + " (--target)");
    }

    /** The first throwable of {@code type} in the cause chain that {@code matches}. */
    private static <T extends Throwable> Optional<T> find(Throwable failure, Class<T> type, Predicate<T> matches) {
        for (Throwable e = failure; e != null; e = e.getCause()) {
            if (type.isInstance(e) && matches.test(type.cast(e))) {
                return Optional.of(type.cast(e));
            }
        }
        return Optional.empty();
    }

    /** The deepest cause's message: the one that says what the operating system or the TLS engine saw. */
    private static String innermost(Throwable failure) {
        Throwable e = failure;
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("").strip();
    }
}
