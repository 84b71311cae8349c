package dev.gptneo.cli;

import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.engine.BatchingEngine;
import dev.gptneo.server.EngineModule;
import dev.gptneo.server.ServerConfig;
import picocli.CommandLine.Option;

/**
 * The batching engine's limits, which {@code serve} and {@code generate --prompts-file} share:
 * both run the same {@link BatchingEngine}.
 */
final class EngineFlags {

    @Option(names = "--max-concurrent", paramLabel = "N",
            description = "generations run at once, batched into one step; more wait in the queue (default: ${DEFAULT-VALUE})")
    int maxConcurrent = ServerConfig.DEFAULT_MAX_CONCURRENT;

    @Option(names = "--max-queued", paramLabel = "N",
            description = "generations that may wait (FIFO) for a slot; beyond, serve refuses with RESOURCE_EXHAUSTED and"
                    + " generate --prompts-file reads no further ahead (default: ${DEFAULT-VALUE})")
    int maxQueued = ServerConfig.DEFAULT_MAX_QUEUED;

    @Option(names = "--max-batch-tokens", paramLabel = "N",
            description = "token rows per engine step, decode first, then prompt chunks (while streams decode, no more "
                    + "prompt rows than decode rows, or 16 rows a step): bounds the gap between a stream's tokens "
                    + "while prompts are read; at least --max-concurrent (default: ${DEFAULT-VALUE})")
    int maxBatchTokens = ServerConfig.DEFAULT_MAX_BATCH_TOKENS;

    @Option(names = "--kv-cache-mb", paramLabel = "N",
            description = "MiB of KV cache blocks (16 positions each) all generations share; when they run out the newest"
                    + " generation is preempted and later recomputed; at least one full context (default: half the heap"
                    + " the model leaves free, at most --max-concurrent full contexts)")
    Integer kvCacheMb;

    /** @throws UsageException naming the flag out of range, in the words serve uses */
    void check() throws UsageException {
        try {
            ServerConfig.checkEngineLimits(maxConcurrent, maxQueued, maxBatchTokens, kvCacheMb);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The engine, as the server's EngineModule makes it. */
    BatchingEngine engine(LoadedModel model) {
        return EngineModule.create(model, maxConcurrent, maxQueued, maxBatchTokens, kvCacheMb);
    }

    /** Requests one caller may have in the engine at once, running or queued, without a refusal. */
    int capacity() {
        return maxConcurrent + maxQueued;
    }
}
