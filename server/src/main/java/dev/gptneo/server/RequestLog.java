package dev.gptneo.server;

import dev.gptneo.proto.v1.GenerateRequest;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.logging.Logger;

/**
 * One INFO line per finished call: the caller's request_id (GenerateRequest.request_id, "-" when
 * none), method, status code, tokens in and out, duration, then the finish reason, time to first
 * token, the seed of a sampled generation and the peer's address. The prompt and the generated
 * text only with {@code --log-prompts}, JSON-quoted so that a newline in them cannot forge a line. The service fills in the call's
 * {@link CallSummary}, which this puts in the call's {@link Context}.
 */
final class RequestLog implements ServerInterceptor {

    private static final Logger LOG = Logger.getLogger(RequestLog.class.getName());

    private final boolean logPrompts;

    RequestLog(boolean logPrompts) {
        this.logPrompts = logPrompts;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        CallSummary summary = new CallSummary(call.getMethodDescriptor().getBareMethodName(), System.nanoTime(),
                logPrompts);
        summary.peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        Context context = Context.current().withValue(CallSummary.KEY, summary);
        ServerCall<Q, R> logged = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                log(summary, status.getCode());
                super.close(status, trailers);
            }
        };
        return new SimpleForwardingServerCallListener<>(Contexts.interceptCall(context, logged, headers, next)) {
            @Override
            public void onMessage(Q message) {
                if (message instanceof GenerateRequest request) {
                    summary.requestId(request.getRequestId());
                    summary.prompt(request);
                }
                super.onMessage(message);
            }

            @Override
            public void onCancel() {
                // The call ends without close(): the client cancelled, or its deadline passed.
                boolean expired = context.getDeadline() != null && context.getDeadline().isExpired();
                log(summary, expired ? Status.Code.DEADLINE_EXCEEDED : Status.Code.CANCELLED);
                super.onCancel();
            }
        };
    }

    private static void log(CallSummary summary, Status.Code code) {
        String line = summary.end(code, System.nanoTime());
        if (line != null) {
            LOG.info(line);
        }
    }
}
