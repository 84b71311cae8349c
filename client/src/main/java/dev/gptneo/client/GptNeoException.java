package dev.gptneo.client;

import io.grpc.Status;

/**
 * A call to the server failed. The subclass says why, so callers can {@code switch} over the
 * cases the API documents (see {@code text_generation.proto}) instead of decoding gRPC statuses.
 */
public abstract sealed class GptNeoException extends RuntimeException
        permits InvalidRequestException, OverloadedException, UnavailableException, DeadlineExceededException,
        CancelledException, RpcFailedException {

    private final Status.Code code;

    GptNeoException(Status status, Throwable cause) {
        super(status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()), cause);
        this.code = status.getCode();
    }

    /** The gRPC status code the server (or the channel) answered with. */
    public Status.Code code() {
        return code;
    }
}
