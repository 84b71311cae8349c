package dev.gptneo.kernels;

import java.util.Optional;

/** Creates one kind of {@link Backend}; registered in {@link Backends}. */
public interface BackendProvider {

    /** The name users pass to {@code --backend}. */
    String name();

    /** Higher is preferred when no backend is named; only available providers are considered. */
    int priority();

    /** Why this backend cannot run here (missing runtime, no device), or empty when it can. */
    Optional<String> unavailableReason();

    /** Whether the automatic choice may pick this backend when it is available. */
    default boolean autoSelectable() {
        return true;
    }

    Backend create(BackendOptions options);
}
