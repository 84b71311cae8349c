package dev.gptneo.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gptneo.kernels.Backend;
import dev.gptneo.model.LoadedModel;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The model and tokenizer named by the configuration. Loaded on first use, which the server
 * arranges after it has started answering health checks with NOT_SERVING.
 */
public final class ModelModule extends AbstractModule {

    @Provides
    @Singleton
    LoadedModel model(ServerConfig config, Backend backend) {
        try {
            return LoadedModel.open(config.model(), config.tokenizer(), backend, config.dtype());
        } catch (IOException e) {
            throw new UncheckedIOException(config.model() + ": " + e.getMessage(), e);
        }
    }
}
