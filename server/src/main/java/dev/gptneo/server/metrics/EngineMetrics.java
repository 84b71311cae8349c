package dev.gptneo.server.metrics;

import dev.gptneo.model.engine.EngineStats;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The engine's state as gauges (and its preemptions as a counter) read at each scrape: the
 * engine already keeps these numbers, so the metrics hold no copy of their own to go stale.
 */
final class EngineMetrics {

    private EngineMetrics() {
    }

    static void register(PrometheusRegistry registry, Supplier<EngineStats> stats) {
        gauge(registry, stats, "gptneo_requests_active", "Generations submitted and not finished: running or queued.",
                EngineStats::active);
        gauge(registry, stats, "gptneo_requests_running", "Generations holding one of the engine's slots.",
                EngineStats::running);
        gauge(registry, stats, "gptneo_requests_queued", "Generations waiting in the queue for a slot.",
                EngineStats::queued);
        gauge(registry, stats, "gptneo_requests_paused", "Generations paused for a slow reader.", EngineStats::paused);
        gauge(registry, stats, "gptneo_kv_blocks_used", "KV cache blocks (16 positions) held by generations.",
                EngineStats::kvBlocksUsed);
        gauge(registry, stats, "gptneo_kv_blocks_free", "KV cache blocks free for new positions.",
                EngineStats::kvBlocksFree);
        CounterWithCallback.builder().name("gptneo_preemptions_total")
                .help("Generations preempted (KV blocks taken, to be recomputed) when the KV cache ran out.")
                .callback(counter -> counter.call(stats.get().preemptions())).register(registry);
    }

    private static void gauge(PrometheusRegistry registry, Supplier<EngineStats> stats, String name, String help,
            ToLongFunction<EngineStats> value) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(gauge -> gauge.call(value.applyAsLong(stats.get()))).register(registry);
    }
}
