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

    /** Fewer float lanes than this would make the byte species of Q8_0 narrower than any vector shape. */
    private static final int MIN_VECTOR_BITS = 256;

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
            return Optional.of("the JVM was started without --add-modules jdk.incubator.vector");
        }
        int bits = Lanes.FLOATS.vectorBitSize();
        if (bits < MIN_VECTOR_BITS) {
            return Optional.of("the CPU's preferred vectors are " + bits + "-bit; this backend needs "
                    + MIN_VECTOR_BITS + "-bit (AVX2 or better)");
        }
        return Optional.empty();
    }

    @Override
    public Backend create(BackendOptions options) {
        return new VectorBackend(options.effectiveThreads());
    }
}
