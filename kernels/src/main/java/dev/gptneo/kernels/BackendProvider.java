package dev.gptneo.kernels;

import java.util.Optional;

/** Creates one kind of {@link Backend}; registered in {@link Backends}. */
public interface BackendProvider {

    /** The name users pass to {@code --backend}. */
    String name();

    /** Higher is preferred when no backend is named; only available providers are considered. */
    int priority();

    /**
     * Why this backend cannot run here (missing runtime, no device, a bad setting), or empty when
     * it can: one line that says what to install or change.
     */
    Optional<String> unavailableReason();

    /**
     * Why the automatic choice passes this backend over (which includes {@link #unavailableReason}),
     * or empty when it may pick it.
     */
    default Optional<String> automaticSkipReason() {
        return unavailableReason();
    }

    /**
     * The backend in a few words, as it would run here, without creating it ({@code gptneo
     * --version}): its name, and what it would run at when that differs between machines.
     */
    default String summary() {
        return name();
    }

    Backend create(BackendOptions options);
}
