package dev.gptneo.server.metrics;

import com.google.inject.Singleton;
import dev.gptneo.model.engine.EngineStats;
import dev.gptneo.model.generate.StopReason;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The server's metrics, with the JVM's and the process's, on a registry of their own (not the
 * Prometheus client's global default, so that each server, and each test's, counts alone).
 */
@Singleton
public final class ServerMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram timeToFirstToken = histogram("gptneo_time_to_first_token_seconds",
            "From admission of a generation to its first token.",
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);
    private final Histogram interTokenLatency = histogram("gptneo_inter_token_latency_seconds",
            "Between consecutive tokens of one generation.",
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1);
    private final Histogram batchSize = histogram("gptneo_batch_size",
            "Sequences in one engine step (each decoding a token or prefilling a prompt chunk).",
            1, 2, 4, 8, 16, 24, 32, 48, 64);
    private final Histogram batchTokens = histogram("gptneo_batch_tokens",
            "Rows (tokens) of one engine step's forward pass.", 1, 2, 4, 8, 16, 32, 64, 128, 256, 512);
    private final Histogram stepDuration = histogram("gptneo_step_duration_seconds",
            "Time of one engine step's forward pass.", 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5);
    private final Counter tokens = Counter.builder().name("gptneo_generated_tokens_total")
            .help("Tokens generated.").register(registry);
    private final Counter generations = Counter.builder().name("gptneo_generations_total")
            .help("Generations ended, by finish reason.").labelNames("reason").register(registry);
    private final Counter requests = Counter.builder().name("gptneo_requests_total")
            .help("gRPC calls ended, by method and status code.").labelNames("method", "code").register(registry);
    private final Exposition exposition = new Exposition(registry);

    public ServerMetrics() {
        JvmMetrics.builder().register(registry);
    }

    /** The engine's gauges, read from {@code stats} at each scrape; once per server. */
    public void observeEngine(Supplier<EngineStats> stats) {
        EngineMetrics.register(registry, stats);
    }

    /** Everything registered, in the format each scrape asks for. */
    public Exposition exposition() {
        return exposition;
    }

    void firstToken(long nanosSinceAdmission) {
        timeToFirstToken.observe(Unit.nanosToSeconds(nanosSinceAdmission));
        tokens.inc();
    }

    void nextToken(long nanosSincePrevious) {
        interTokenLatency.observe(Unit.nanosToSeconds(nanosSincePrevious));
        tokens.inc();
    }

    /** One engine step (a {@link dev.gptneo.model.engine.StepObserver}). */
    public void stepped(int sequences, int rows, long nanos) {
        batchSize.observe(sequences);
        batchTokens.observe(rows);
        stepDuration.observe(Unit.nanosToSeconds(nanos));
    }

    void finished(StopReason reason) {
        generations.labelValues(reason.name().toLowerCase(Locale.ROOT)).inc();
    }

    void failed() {
        generations.labelValues("failed").inc();
    }

    void stalled() {
        generations.labelValues("stalled").inc();
    }

    void requestEnded(String method, Status.Code code) {
        requests.labelValues(method, code.name()).inc();
    }

    /**
     * Classic buckets only, as Prometheus has always scraped them: a native histogram's buckets
     * would reach a scraper only in the protobuf format, which this server does not serve.
     */
    private Histogram histogram(String name, String help, double... upperBounds) {
        return Histogram.builder().name(name).help(help).classicUpperBounds(upperBounds).classicOnly()
                .register(registry);
    }
}
