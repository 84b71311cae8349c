package dev.gptneo.kernels;

import dev.gptneo.kernels.opencl.OpenClBackendProvider;
import dev.gptneo.kernels.scalar.ScalarBackendProvider;
import dev.gptneo.kernels.vector.VectorBackendProvider;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The registry of backends: one place that knows every implementation, picks one by name or
 * the fastest available one, and logs the choice once.
 */
public final class Backends {

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private static final List<BackendProvider> PROVIDERS = List.of(
            new OpenClBackendProvider(),
            new VectorBackendProvider(),
            new ScalarBackendProvider());

    private Backends() {
    }

    /** All registered backend names, fastest-preferred first. */
    public static List<String> names() {
        return providersByPriority().stream().map(BackendProvider::name).toList();
    }

    /** The names of the backends that can run on this machine. */
    public static List<String> available() {
        return providersByPriority().stream()
                .filter(p -> p.unavailableReason().isEmpty())
                .map(BackendProvider::name)
                .toList();
    }

    /**
     * What {@link #create} would pick with no name given, in a few words ("vector 256-bit"),
     * without creating it or logging the backends it passes over.
     */
    public static String automaticChoice() {
        return best(false).summary();
    }

    /**
     * Creates the named backend, or the best available one when {@code name} is null or empty.
     *
     * @throws IllegalArgumentException for an unknown name, or a known one that cannot run here
     *     (the message says why)
     */
    public static Backend create(String name, BackendOptions options) {
        BackendProvider provider = (name == null || name.isEmpty()) ? best(true) : named(name);
        Backend backend = provider.create(options);
        LOG.log(System.Logger.Level.INFO, "backend: {0}", backend.description());
        return backend;
    }

    private static BackendProvider named(String name) {
        BackendProvider provider = PROVIDERS.stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown backend '" + name
                        + "' (available: " + String.join(", ", names()) + ")"));
        provider.unavailableReason().ifPresent(reason -> {
            throw new IllegalArgumentException("backend '" + name + "' cannot run here: " + reason);
        });
        return provider;
    }

    /**
     * The first provider by priority that the automatic choice may pick; each one passed over on
     * the way is logged with its reason when {@code logSkips}, so that a user sees why a faster
     * backend did not run.
     */
    private static BackendProvider best(boolean logSkips) {
        for (BackendProvider provider : providersByPriority()) {
            Optional<String> skip = provider.automaticSkipReason();
            if (skip.isEmpty()) {
                return provider;
            }
            if (logSkips) {
                LOG.log(System.Logger.Level.INFO, "backend {0} skipped: {1}", provider.name(), skip.get());
            }
        }
        throw new IllegalStateException("no backend can run here: " + PROVIDERS.stream()
                .map(p -> p.name() + ": " + p.unavailableReason().orElse("ok"))
                .collect(Collectors.joining("; ")));
    }

    private static List<BackendProvider> providersByPriority() {
        return PROVIDERS.stream()
                .sorted(Comparator.comparingInt(BackendProvider::priority).reversed())
                .toList();
    }
}
