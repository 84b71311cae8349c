package dev.gptneo.client;

import dev.gptneo.proto.v1.TextGenerationGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts a server's TextGeneration calls (health checks aside), remembers the last
 * {@code authorization} header, and can fail the first few calls with UNAVAILABLE.
 */
final class CallRecorder implements ServerInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final AtomicInteger calls = new AtomicInteger();
    private final int failFirst;
    private volatile String authorization;

    private CallRecorder(int failFirst) {
        this.failFirst = failFirst;
    }

    static CallRecorder counting() {
        return new CallRecorder(0);
    }

    static CallRecorder failingFirst(int calls) {
        return new CallRecorder(calls);
    }

    int calls() {
        return calls.get();
    }

    String authorization() {
        return authorization;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (!TextGenerationGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        authorization = headers.get(AUTHORIZATION);
        if (calls.incrementAndGet() <= failFirst) {
            call.close(Status.UNAVAILABLE.withDescription("injected failure"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }
}
