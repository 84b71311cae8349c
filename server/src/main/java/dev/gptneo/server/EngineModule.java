package dev.gptneo.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.engine.BatchingEngine;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.model.engine.KvBudget;

/**
 * The engine that runs generations on the model: continuous batching over a bounded queue, its
 * KV blocks in a pool of {@code --kv-cache-mb}, or by default sized from the heap ({@link KvBudget}).
 */
public final class EngineModule extends AbstractModule {

    private static final long MIB = 1L << 20;

    /** @throws IllegalArgumentException naming the budget, given or default, when it cannot hold one full context */
    @Provides
    @Singleton
    GenerationEngine engine(LoadedModel model, ServerConfig config) {
        Integer told = config.kvCacheMb();
        long bytes = told != null ? told * MIB : KvBudget.defaultBytes(model.model().config(), config.maxConcurrent());
        try {
            return new BatchingEngine(model, config.maxConcurrent(), config.maxQueued(), config.maxBatchTokens(), bytes);
        } catch (IllegalArgumentException e) {
            // ServerConfig has checked the other limits: this is the KV budget.
            throw new IllegalArgumentException(told != null ? "--kv-cache-mb " + told + ": " + e.getMessage()
                    : "the default KV cache (half the heap the model leaves free): " + e.getMessage()
                            + "; give the JVM more heap (-Xmx) or set --kv-cache-mb", e);
        }
    }
}
