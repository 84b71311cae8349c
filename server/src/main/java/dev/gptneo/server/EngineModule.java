package dev.gptneo.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.engine.BatchingEngine;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.model.engine.KvBudget;
import dev.gptneo.server.metrics.ServerMetrics;

/**
 * The engine that runs generations on the model: continuous batching over a bounded queue, its
 * KV blocks in a pool of {@code --kv-cache-mb}, or by default sized from the heap ({@link KvBudget});
 * readers stalled past {@code --stall-timeout-seconds} are ended, and an engine that fails for
 * good ends the process ({@link EngineFailure}).
 */
public final class EngineModule extends AbstractModule {

    private static final long MIB = 1L << 20;

    @Override
    protected void configure() {
        bind(ProcessExit.class).toInstance(ProcessExit.SYSTEM);
    }

    /** @throws IllegalArgumentException naming the budget, given or default, when it cannot hold one full context */
    @Provides
    @Singleton
    GenerationEngine engine(LoadedModel model, ServerConfig config, ServerMetrics metrics, EngineFailure failure) {
        BatchingEngine engine = create(model, config.maxConcurrent(), config.maxQueued(), config.maxBatchTokens(),
                config.kvCacheMb());
        engine.observeSteps(metrics::stepped);
        engine.stopStalledAfter(config.stallTimeout());
        engine.onFatalError(failure::engineStopped);
        return engine;
    }

    /**
     * The engine with these limits, its KV budget {@code kvCacheMb} MiB or else {@link KvBudget}'s
     * default: what {@code serve} and {@code generate --prompts-file} run.
     *
     * @throws IllegalArgumentException naming the budget, and what to do, when it is too small
     */
    public static BatchingEngine create(LoadedModel model, int maxConcurrent, int maxQueued, int maxBatchTokens,
                                        Integer kvCacheMb) {
        long bytes = kvCacheMb != null ? kvCacheMb * MIB : KvBudget.defaultBytes(model.model().config(), maxConcurrent);
        try {
            return new BatchingEngine(model, maxConcurrent, maxQueued, maxBatchTokens, bytes);
        } catch (IllegalArgumentException e) {
            // ServerConfig has checked the other limits: this is the KV budget.
            throw new IllegalArgumentException(kvCacheMb != null ? "--kv-cache-mb " + kvCacheMb + ": " + e.getMessage()
                    : "the default KV cache (half the heap the model leaves free): " + e.getMessage()
                            + "; give the JVM more heap (-Xmx) or set --kv-cache-mb", e);
        }
    }
}
