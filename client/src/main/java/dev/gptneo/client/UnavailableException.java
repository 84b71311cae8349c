package dev.gptneo.client;

import io.grpc.Status;

/** UNAVAILABLE: no server could be reached, or it is starting or shutting down. Calls that had not started streaming were already retried. */
public final class UnavailableException extends GptNeoException {

    UnavailableException(Status status, Throwable cause) {
        super(status, cause);
    }
}
