package dev.gptneo.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.Backends;

/** The compute backend named by the configuration: swapping it is a flag, not a code change. */
public final class BackendModule extends AbstractModule {

    @Provides
    @Singleton
    Backend backend(ServerConfig config) {
        return Backends.create(config.backend(), config.backendOptions());
    }
}
