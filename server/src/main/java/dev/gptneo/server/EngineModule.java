package dev.gptneo.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.model.engine.BatchingEngine;
import dev.gptneo.server.metrics.ServerMetrics;

/** The engine that runs generations on the model: continuous batching over a bounded queue. */
public final class EngineModule extends AbstractModule {

    @Provides
    @Singleton
    GenerationEngine engine(LoadedModel model, ServerConfig config, ServerMetrics metrics) {
        BatchingEngine engine = new BatchingEngine(model, config.maxConcurrent(), config.maxQueued(),
                config.maxBatchTokens());
        engine.observeSteps(metrics::stepped);
        return engine;
    }
}
