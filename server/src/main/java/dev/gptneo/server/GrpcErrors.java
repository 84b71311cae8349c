package dev.gptneo.server;

import com.google.protobuf.Any;
import com.google.protobuf.CodedOutputStream;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.gptneo.model.engine.ConsumerStalledException;
import dev.gptneo.model.engine.EngineClosedException;
import dev.gptneo.model.engine.OverloadedException;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.InvalidRequestException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns what goes wrong with a request into the gRPC status the client sees, with google.rpc details.
 *
 * <p>A status travels in the call's trailers: the message as {@code grpc-message} (percent-encoded,
 * so up to 3 bytes per UTF-8 byte) and again, with the details, as {@code grpc-status-details-bin}
 * (base64, 4 bytes per 3). grpc-java refuses trailers over 8 KiB by default (the call then fails
 * with INTERNAL instead of its status) and grpc-js stalls on large ones, so every part is budgeted,
 * whatever the request: at most {@value #MESSAGE_BYTES} bytes of message and
 * {@value #DETAILS_BYTES} of BadRequest, under 5 KiB of trailers at worst.
 */
final class GrpcErrors {

    /** The most UTF-8 bytes of a status message. */
    static final int MESSAGE_BYTES = 400;
    /** The most bytes of a serialized BadRequest. */
    static final int DETAILS_BYTES = 2000;
    /** The most UTF-8 bytes of a violation's field path, and of its description. */
    static final int FIELD_BYTES = 100;
    static final int DESCRIPTION_BYTES = 300;

    private static final Logger LOG = Logger.getLogger(GrpcErrors.class.getName());

    private GrpcErrors() {
    }

    static StatusRuntimeException toStatus(Throwable error) {
        return switch (error) {
            case StatusRuntimeException e -> e;
            case InvalidRequestException e -> invalidArgument(e);
            case OverloadedException e -> resourceExhausted(e);
            case EngineClosedException e -> Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
            case ConsumerStalledException e -> Status.ABORTED.withDescription(e.getMessage() + " (--stall-timeout-seconds)")
                    .asRuntimeException();
            default -> {
                // A bug or a backend failure: the client gets a short reason, the log the stack trace.
                LOG.log(Level.SEVERE, "generation failed", error);
                yield Status.INTERNAL.withDescription(
                        BoundedText.truncate("generation failed: " + error.getMessage(), MESSAGE_BYTES))
                        .asRuntimeException();
            }
        };
    }

    /**
     * INVALID_ARGUMENT with as many of the violations as the budget holds, each shortened to its
     * own budget; the message lists them too, and says how many more there were.
     */
    private static StatusRuntimeException invalidArgument(InvalidRequestException e) {
        List<BadRequest.FieldViolation> listed = new ArrayList<>();
        int size = 0;
        for (GenerationParams.Violation v : e.violations()) {
            BadRequest.FieldViolation violation = BadRequest.FieldViolation.newBuilder()
                    .setField(BoundedText.truncate(v.field(), FIELD_BYTES))
                    .setDescription(BoundedText.truncate(v.description(), DESCRIPTION_BYTES))
                    .build();
            size += CodedOutputStream.computeMessageSize(BadRequest.FIELD_VIOLATIONS_FIELD_NUMBER, violation);
            if (size > DETAILS_BYTES) {
                break;
            }
            listed.add(violation);
        }
        long unlisted = (long) e.violations().size() + e.omitted() - listed.size();
        String more = unlisted > 0 ? "; and " + unlisted + " more" : "";
        String list = String.join("; ", listed.stream().map(v -> v.getField() + " " + v.getDescription()).toList());
        String message = BoundedText.truncate("invalid request: " + list, MESSAGE_BYTES - more.length()) + more;
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.INVALID_ARGUMENT_VALUE)
                .setMessage(message)
                .addDetails(Any.pack(BadRequest.newBuilder().addAllFieldViolations(listed).build()))
                .build());
    }

    private static StatusRuntimeException resourceExhausted(OverloadedException e) {
        long millis = e.retryAfter().toMillis();
        RetryInfo retry = RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
                .setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000)).build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
                .setMessage(e.getMessage())
                .addDetails(Any.pack(retry))
                .build());
    }
}
