package dev.gptneo.server.security;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Locale;

/**
 * Lets a call through only with {@code authorization: Bearer <token>} for a token of the
 * {@link TokenFile}; any other call ends UNAUTHENTICATED at once, before the service sees it
 * (no message is read, no generation queued).
 *
 * <p>The server puts it in front of TextGeneration and of server reflection (what a server offers
 * is for its callers only; {@code grpcurl -H 'authorization: Bearer …'} sends the header to
 * reflection too), but not of {@code grpc.health.v1}: load balancers and orchestrators probe
 * health without credentials, and it tells nothing but SERVING or not.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** RFC 6750: the scheme's name is case-insensitive. */
    private static final String SCHEME = "bearer ";

    private final TokenFile tokens;

    public BearerTokenInterceptor(TokenFile tokens) {
        this.tokens = tokens;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String refusal = refusal(headers.get(AUTHORIZATION));
        if (refusal == null) {
            return next.startCall(call, headers);
        }
        call.close(Status.UNAUTHENTICATED.withDescription(refusal), new Metadata());
        return new ServerCall.Listener<>() { };
    }

    /** Why a call with this header is refused (never repeating the token), or null to let it through. */
    private String refusal(String authorization) {
        if (authorization == null) {
            return "this server needs \"authorization: Bearer <token>\"";
        }
        if (!authorization.toLowerCase(Locale.ROOT).startsWith(SCHEME)) {
            return "the authorization header is not \"Bearer <token>\"";
        }
        return tokens.accepts(authorization.substring(SCHEME.length()).strip()) ? null : "the bearer token is not accepted";
    }
}
