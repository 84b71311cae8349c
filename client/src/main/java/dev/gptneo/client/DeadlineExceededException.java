package dev.gptneo.client;

import io.grpc.Status;

/** DEADLINE_EXCEEDED: the call's deadline passed; the server stops its generation within a step. */
public final class DeadlineExceededException extends GptNeoException {

    DeadlineExceededException(Status status, Throwable cause) {
        super(status, cause);
    }
}
