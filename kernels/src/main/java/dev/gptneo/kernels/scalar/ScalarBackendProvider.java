package dev.gptneo.kernels.scalar;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.BackendProvider;
import java.util.Optional;

public final class ScalarBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Backend create(BackendOptions options) {
        return new ScalarBackend();
    }
}
