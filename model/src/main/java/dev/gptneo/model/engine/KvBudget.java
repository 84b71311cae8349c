package dev.gptneo.model.engine;

import dev.gptneo.model.GptNeoConfig;
import dev.gptneo.model.KvBlockPool;
import java.util.Locale;

/**
 * The bytes of KV blocks an engine gets unless told otherwise: half of the heap still free once
 * the model is loaded, and no more than its slots could ever use.
 *
 * <p>The CPU backends keep the pool on the Java heap, where the activations, the logits, the
 * server's buffers and the collector's headroom need the other half. It is measured after
 * loading, so what the model put on the heap (matrices quantized at load, the tokenizer) is
 * counted, while a memory-mapped checkpoint, or synthetic weights made off the heap, are not on
 * it and cost nothing. More than {@code maxConcurrent} sequences of a full context hold would
 * never be used. The OpenCL backend keeps the pool on its device, whose memory the heap says
 * nothing about: there, size it with the engine's budget ({@code --kv-cache-mb}).
 */
public final class KvBudget {

    private KvBudget() {
    }

    /** The default budget, as the class says; call it once the model is loaded. */
    public static long defaultBytes(GptNeoConfig config, int maxConcurrent) {
        Runtime runtime = Runtime.getRuntime();
        System.gc(); // what loading left behind is garbage, not use
        long used = runtime.totalMemory() - runtime.freeMemory();
        return Math.min((runtime.maxMemory() - used) / 2, maxConcurrent * fullContextBytes(config));
    }

    /** The bytes of the blocks one sequence of max_position_embeddings positions holds: the least an engine needs. */
    public static long fullContextBytes(GptNeoConfig config) {
        return KvBlockPool.blocksFor(config, config.maxPositions()) * KvBlockPool.blockBytes(config);
    }

    /** {@code bytes} in MiB, for messages. */
    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
