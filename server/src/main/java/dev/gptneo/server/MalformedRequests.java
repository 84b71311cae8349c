package dev.gptneo.server;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;

/**
 * Refuses a request body that does not parse (invalid UTF-8 in a string field, a truncated
 * message) with INVALID_ARGUMENT and a one-line reason, through the call itself, so that the
 * refusal is counted like any other outcome, and logged in one rate-limited line.
 *
 * <p>grpc-java parses the body with the method's marshaller before any interceptor or the
 * service sees it, and a marshaller that throws ends the call as UNKNOWN, with a stack trace
 * logged at SEVERE and no close() for interceptors to count. So each method's marshaller is
 * wrapped: for a malformed body it returns a fresh empty message, a sentinel, and notes on its
 * thread why. gRPC hands a parsed message to the call's listeners on the thread that parsed it,
 * so the interceptor this adds in front of the service recognises that very object and answers
 * the call itself. The request type stays the same, so other interceptors work as before (they
 * see an empty request).
 */
final class MalformedRequests {

    private static final Logger LOG = Logger.getLogger(MalformedRequests.class.getName());
    private static final int REASON_BYTES = 200;

    private final RateLimitedLog log = new RateLimitedLog(LOG, Duration.ofMinutes(1));
    /** The sentinel this thread's last malformed body was parsed into, and why it is malformed. */
    private final ThreadLocal<Malformed> lastMalformed = new ThreadLocal<>();

    private record Malformed(Object sentinel, String reason) {
    }

    /** {@code service} with every protobuf method refusing malformed bodies; the same names and schema. */
    ServerServiceDefinition guard(ServerServiceDefinition service) {
        ServerServiceDefinition refusing = ServerInterceptors.intercept(service, new Refusing());
        List<ServerMethodDefinition<?, ?>> methods = refusing.getMethods().stream()
                .<ServerMethodDefinition<?, ?>>map(this::checked).toList();
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        methods.forEach(m -> descriptor.addMethod(m.getMethodDescriptor()));
        ServerServiceDefinition.Builder guarded = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(guarded::addMethod);
        return guarded.build();
    }

    /**
     * Why {@code message} is no request: the reason, if it is the sentinel this thread's last
     * parse returned for a malformed body (which this forgets then); null for a parsed message.
     */
    String malformedReason(Object message) {
        Malformed last = lastMalformed.get();
        if (last == null || last.sentinel() != message) {
            return null;
        }
        lastMalformed.remove();
        return last.reason();
    }

    private <Q, R> ServerMethodDefinition<Q, R> checked(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> original = method.getMethodDescriptor();
        if (!(original.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> parser)
                || !(parser.getMessagePrototype() instanceof Message)) {
            return method;
        }
        return ServerMethodDefinition.create(
                original.toBuilder().setRequestMarshaller(new CheckedMarshaller<>(parser)).build(),
                method.getServerCallHandler());
    }

    /** Parses with the method's own marshaller; a malformed body becomes a noted sentinel. */
    private final class CheckedMarshaller<Q> implements MethodDescriptor.PrototypeMarshaller<Q> {

        private final MethodDescriptor.PrototypeMarshaller<Q> parser;
        private final Message prototype;

        CheckedMarshaller(MethodDescriptor.PrototypeMarshaller<Q> parser) {
            this.parser = parser;
            this.prototype = (Message) parser.getMessagePrototype();
        }

        @Override
        public InputStream stream(Q value) {
            return parser.stream(value);
        }

        @Override
        public Q parse(InputStream body) {
            try {
                return parser.parse(body);
            } catch (StatusRuntimeException e) {
                // The protobuf marshaller reports a malformed body as INTERNAL, caused by this.
                if (!(e.getCause() instanceof InvalidProtocolBufferException malformed)) {
                    throw e;
                }
                String reason = String.valueOf(malformed.getMessage()).lines().findFirst().orElse("");
                // A new object each time: only this one is taken for the malformed body.
                @SuppressWarnings("unchecked")
                Q sentinel = (Q) prototype.newBuilderForType().build();
                lastMalformed.set(new Malformed(sentinel, BoundedText.truncate("request body is not a valid "
                        + prototype.getDescriptorForType().getName() + ": " + reason, REASON_BYTES)));
                return sentinel;
            }
        }

        @Override
        public Q getMessagePrototype() {
            return parser.getMessagePrototype();
        }

        @Override
        public Class<Q> getMessageClass() {
            return parser.getMessageClass();
        }
    }

    /** Answers a sentinel with INVALID_ARGUMENT; the service and the interceptors behind hear nothing of it. */
    private final class Refusing implements ServerInterceptor {

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
                private boolean refused;

                @Override
                public void onMessage(Q message) {
                    if (refused) {
                        return;
                    }
                    String reason = malformedReason(message);
                    if (reason == null) {
                        super.onMessage(message);
                        return;
                    }
                    refused = true;
                    log.warning("refused a malformed " + call.getMethodDescriptor().getBareMethodName() + " call: "
                            + reason);
                    call.close(Status.INVALID_ARGUMENT.withDescription(reason), new Metadata());
                }

                @Override
                public void onHalfClose() {
                    if (!refused) {
                        super.onHalfClose();
                    }
                }

                @Override
                public void onReady() {
                    if (!refused) {
                        super.onReady();
                    }
                }
            };
        }
    }
}
