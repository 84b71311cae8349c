package dev.gptneo.server;

import com.google.protobuf.Any;
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
import java.util.logging.Level;
import java.util.logging.Logger;

/** Turns what goes wrong with a request into the gRPC status the client sees, with google.rpc details. */
final class GrpcErrors {

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
                yield Status.INTERNAL.withDescription("generation failed: " + error.getMessage()).asRuntimeException();
            }
        };
    }

    private static StatusRuntimeException invalidArgument(InvalidRequestException e) {
        BadRequest.Builder details = BadRequest.newBuilder();
        for (GenerationParams.Violation v : e.violations()) {
            details.addFieldViolations(BadRequest.FieldViolation.newBuilder()
                    .setField(v.field()).setDescription(v.description()));
        }
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.INVALID_ARGUMENT_VALUE)
                .setMessage("invalid request: " + e.getMessage())
                .addDetails(Any.pack(details.build()))
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
