package dev.gptneo.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Turns a failed call's gRPC status, with its google.rpc details, into a {@link GptNeoException}. */
final class StatusErrors {

    private StatusErrors() {
    }

    /** @param failure what gRPC reported: a StatusRuntimeException, or any throwable it wraps a status in */
    static GptNeoException toException(Throwable failure) {
        Status status = Status.fromThrowable(failure);
        com.google.rpc.Status details = StatusProto.fromThrowable(failure);
        return switch (status.getCode()) {
            case INVALID_ARGUMENT -> new InvalidRequestException(status,
                    detail(details, BadRequest.class).map(StatusErrors::violations).orElse(List.of()),
                    failure);
            case RESOURCE_EXHAUSTED -> new OverloadedException(status,
                    detail(details, RetryInfo.class).map(info -> Duration.ofSeconds(info.getRetryDelay().getSeconds(),
                            info.getRetryDelay().getNanos())).orElse(null),
                    failure);
            case UNAVAILABLE -> new UnavailableException(status, failure);
            case DEADLINE_EXCEEDED -> new DeadlineExceededException(status, failure);
            case CANCELLED -> new CancelledException(status, failure);
            default -> new RpcFailedException(status, failure);
        };
    }

    private static List<InvalidRequestException.Violation> violations(BadRequest badRequest) {
        return badRequest.getFieldViolationsList().stream()
                .map(v -> new InvalidRequestException.Violation(v.getField(), v.getDescription()))
                .toList();
    }

    /** The first detail of the given type, if the status carries one that parses. */
    private static <T extends Message> Optional<T> detail(com.google.rpc.Status details, Class<T> type) {
        if (details == null) {
            return Optional.empty();
        }
        for (Any any : details.getDetailsList()) {
            if (any.is(type)) {
                try {
                    return Optional.of(any.unpack(type));
                } catch (InvalidProtocolBufferException e) {
                    return Optional.empty(); // a malformed detail is no reason to hide the status itself
                }
            }
        }
        return Optional.empty();
    }
}
