package dev.gptneo.model.generate;

import java.util.List;
import java.util.stream.Collectors;

/** A generation request that breaks one or more rules; each violation names its field. */
public final class InvalidRequestException extends IllegalArgumentException {

    private final transient List<GenerationParams.Violation> violations;

    public InvalidRequestException(List<GenerationParams.Violation> violations) {
        super(violations.stream().map(Object::toString).collect(Collectors.joining("; ")));
        this.violations = List.copyOf(violations);
    }

    public List<GenerationParams.Violation> violations() {
        return violations;
    }
}
