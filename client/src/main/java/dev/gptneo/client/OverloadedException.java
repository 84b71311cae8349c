package dev.gptneo.client;

import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;

/**
 * RESOURCE_EXHAUSTED: the server already runs as many generations as it allows. It never queues,
 * so the caller decides whether and when to try again.
 */
public final class OverloadedException extends GptNeoException {

    private final Duration retryDelay;

    OverloadedException(Status status, Duration retryDelay, Throwable cause) {
        super(status, cause);
        this.retryDelay = retryDelay;
    }

    /** The delay the server suggests before trying again (google.rpc.RetryInfo), if it sent one. */
    public Optional<Duration> retryDelay() {
        return Optional.ofNullable(retryDelay);
    }
}
