package dev.gptneo.server;

import dev.gptneo.model.generate.GenerationParams.Violation;
import dev.gptneo.model.generate.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules one request breaks, kept up to what an error reports
 * ({@link InvalidRequestException#MAX_REPORTED}) and counted beyond: a request can break a rule
 * once per element, and a million kept violations would cost the server gigabytes.
 */
final class ViolationList {

    private final List<Violation> kept = new ArrayList<>();
    private int omitted;

    /**
     * Whether another violation would still be kept. A check that can fail once per element asks
     * first and, when there is no room, calls {@link #omit()} instead of building a description.
     */
    boolean hasRoom() {
        return kept.size() < InvalidRequestException.MAX_REPORTED;
    }

    void add(String field, String description) {
        if (hasRoom()) {
            kept.add(new Violation(field, description));
        } else {
            omit();
        }
    }

    /** Counts a violation without describing it. */
    void omit() {
        omitted++;
    }

    boolean isEmpty() {
        return kept.isEmpty();
    }

    /** @throws InvalidRequestException with what was collected, if anything was */
    void throwIfAny() {
        if (!isEmpty()) {
            throw new InvalidRequestException(kept, omitted);
        }
    }
}
