package dev.gptneo.server.metrics;

import com.google.inject.Inject;
import io.grpc.Context;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/** Counts every call's outcome by method and status code, including calls the client abandoned. */
public final class MetricsInterceptor implements ServerInterceptor {

    private final ServerMetrics metrics;

    @Inject
    MetricsInterceptor(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getBareMethodName();
        ServerCall<Q, R> counted = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                metrics.requestEnded(method, status.getCode());
                super.close(status, trailers);
            }
        };
        Context context = Context.current();
        return new SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
            @Override
            public void onCancel() {
                // The call ends without close(): the client cancelled, or its deadline passed.
                boolean expired = context.getDeadline() != null && context.getDeadline().isExpired();
                metrics.requestEnded(method, expired ? Status.Code.DEADLINE_EXCEEDED : Status.Code.CANCELLED);
                super.onCancel();
            }
        };
    }
}
