package dev.gptneo.client;

import io.grpc.Status;

/** CANCELLED: the call was cancelled, by this client or by the server. */
public final class CancelledException extends GptNeoException {

    CancelledException(Status status, Throwable cause) {
        super(status, cause);
    }
}
