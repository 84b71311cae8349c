package dev.gptneo.client;

import io.grpc.Status;
import java.util.List;

/** INVALID_ARGUMENT: the request breaks one or more of the API's rules; nothing was generated. */
public final class InvalidRequestException extends GptNeoException {

    /** One broken rule: the request field (a path such as {@code sampling.top_p}) and what is wrong. */
    public record Violation(String field, String description) {
    }

    private final List<Violation> violations;

    InvalidRequestException(Status status, List<Violation> violations, Throwable cause) {
        super(status, cause);
        this.violations = List.copyOf(violations);
    }

    /**
     * The rules the request breaks, from the status' google.rpc.BadRequest details (may be empty).
     * The server lists the first 20; when there were more, the message ends "; and N more".
     */
    public List<Violation> violations() {
        return violations;
    }
}
