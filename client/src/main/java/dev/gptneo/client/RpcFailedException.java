package dev.gptneo.client;

import io.grpc.Status;

/** Any other status (UNAUTHENTICATED, INTERNAL, UNIMPLEMENTED, ...): see {@link #code()}. */
public final class RpcFailedException extends GptNeoException {

    RpcFailedException(Status status, Throwable cause) {
        super(status, cause);
    }
}
