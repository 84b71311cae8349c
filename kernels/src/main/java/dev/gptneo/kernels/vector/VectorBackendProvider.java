package dev.gptneo.kernels.vector;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.BackendProvider;
import java.util.Optional;

/**
 * Registers {@link VectorBackend}. It touches no Vector API class until {@link #create}, so the
 * registry still loads on a JVM started without {@code --add-modules jdk.incubator.vector}.
 */
public final class VectorBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Optional<String> unavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Optional.of("jdk.incubator.vector not readable (add --add-modules jdk.incubator.vector to the java "
                    + "command, as the repository's jvm.options does)");
        }
        return VectorWidth.problem();
    }

    /** "vector 256-bit": the width this CPU (or -Dgptneo.vectorBits) gives it. */
    @Override
    public String summary() {
        return unavailableReason().isPresent() ? name() : name() + " " + VectorWidth.bits() + "-bit";
    }

    @Override
    public Backend create(BackendOptions options) {
        return new VectorBackend(options.effectiveThreads());
    }
}
