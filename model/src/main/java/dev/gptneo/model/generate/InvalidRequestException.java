package dev.gptneo.model.generate;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A generation request that breaks one or more rules; each violation names its field.
 *
 * <p>Only the first {@value #MAX_REPORTED} violations are kept, and the rest counted: a request
 * can break a rule once per element (a million out-of-range token ids), and an error that kept
 * them all would cost the server far more memory than the request did.
 */
public final class InvalidRequestException extends IllegalArgumentException {

    /** The most violations one exception holds; {@link #omitted()} counts the others. */
    public static final int MAX_REPORTED = 20;

    private final transient List<GenerationParams.Violation> violations;
    private final int omitted;

    public InvalidRequestException(List<GenerationParams.Violation> violations) {
        this(violations, 0);
    }

    /**
     * @param violations the broken rules found (only the first {@value #MAX_REPORTED} are kept)
     * @param omitted how many more were found and not passed, beyond {@code violations}
     */
    public InvalidRequestException(List<GenerationParams.Violation> violations, int omitted) {
        super(message(violations, omitted));
        this.violations = List.copyOf(violations.subList(0, Math.min(violations.size(), MAX_REPORTED)));
        this.omitted = (int) Math.min(Integer.MAX_VALUE, (long) omitted + violations.size() - this.violations.size());
    }

    private static String message(List<GenerationParams.Violation> violations, int omitted) {
        long more = (long) omitted + Math.max(0, violations.size() - MAX_REPORTED);
        return violations.stream().limit(MAX_REPORTED).map(Object::toString).collect(Collectors.joining("; "))
                + (more > 0 ? "; and " + more + " more" : "");
    }

    /** The first broken rules, in the order they were found: at most {@value #MAX_REPORTED}. */
    public List<GenerationParams.Violation> violations() {
        return violations;
    }

    /** How many broken rules were found beyond {@link #violations()}. */
    public int omitted() {
        return omitted;
    }
}
