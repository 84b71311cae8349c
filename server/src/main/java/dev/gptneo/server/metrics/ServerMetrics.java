package dev.gptneo.server.metrics;

import com.google.inject.Singleton;
import dev.gptneo.model.engine.EngineStats;
import dev.gptneo.model.generate.StopReason;
import io.grpc.Status;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The server's metrics, rendered in the Prometheus text exposition format (version 0.0.4). */
@Singleton
public final class ServerMetrics {

    private final Histogram timeToFirstToken = new Histogram("gptneo_time_to_first_token_seconds",
            "From admission of a generation to its first token.",
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);
    private final Histogram interTokenLatency = new Histogram("gptneo_inter_token_latency_seconds",
            "Between consecutive tokens of one generation.",
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1);
    private final Histogram batchSize = new Histogram("gptneo_batch_size",
            "Sequences in one engine step (each decoding a token or prefilling a prompt chunk).",
            1, 2, 4, 8, 16, 24, 32, 48, 64);
    private final Histogram batchTokens = new Histogram("gptneo_batch_tokens",
            "Rows (tokens) of one engine step's forward pass.", 1, 2, 4, 8, 16, 32, 64, 128, 256, 512);
    private final Histogram stepDuration = new Histogram("gptneo_step_duration_seconds",
            "Time of one engine step's forward pass.", 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5);
    private final LongAdder tokens = new LongAdder();
    private final Map<String, LongAdder> finished = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();

    void firstToken(long nanosSinceAdmission) {
        timeToFirstToken.observeNanos(nanosSinceAdmission);
        tokens.increment();
    }

    void nextToken(long nanosSincePrevious) {
        interTokenLatency.observeNanos(nanosSincePrevious);
        tokens.increment();
    }

    /** One engine step (a {@link dev.gptneo.model.engine.StepObserver}). */
    public void stepped(int sequences, int rows, long nanos) {
        batchSize.observe(sequences);
        batchTokens.observe(rows);
        stepDuration.observeNanos(nanos);
    }

    void finished(StopReason reason) {
        count(finished, "reason=\"" + reason.name().toLowerCase(Locale.ROOT) + "\"");
    }

    void failed() {
        count(finished, "reason=\"failed\"");
    }

    void stalled() {
        count(finished, "reason=\"stalled\"");
    }

    void requestEnded(String method, Status.Code code) {
        count(requests, "method=\"" + method + "\",code=\"" + code + "\"");
    }

    /** Everything, with the engine's gauges as of {@code stats}. */
    public String render(EngineStats stats) {
        StringBuilder out = new StringBuilder();
        timeToFirstToken.render(out);
        interTokenLatency.render(out);
        batchSize.render(out);
        batchTokens.render(out);
        stepDuration.render(out);
        counter(out, "gptneo_generated_tokens_total", "Tokens generated.", Map.of("", tokens));
        counter(out, "gptneo_generations_total", "Generations ended, by finish reason.", finished);
        counter(out, "gptneo_requests_total", "gRPC calls ended, by method and status code.", requests);
        gauge(out, "gptneo_requests_active", "Generations submitted and not finished: running or queued.", stats.active());
        gauge(out, "gptneo_requests_running", "Generations holding one of the engine's slots.", stats.running());
        gauge(out, "gptneo_requests_queued", "Generations waiting in the queue for a slot.", stats.queued());
        gauge(out, "gptneo_requests_paused", "Generations paused for a slow reader.", stats.paused());
        gauge(out, "gptneo_kv_blocks_used", "KV cache blocks (16 positions) held by generations.", stats.kvBlocksUsed());
        gauge(out, "gptneo_kv_blocks_free", "KV cache blocks free for new positions.", stats.kvBlocksFree());
        counter(out, "gptneo_preemptions_total", "Generations preempted (KV blocks taken, to be recomputed) when the"
                + " KV cache ran out.", Map.of("", stats.preemptions()));
        return out.toString();
    }

    private static void count(Map<String, LongAdder> counters, String labels) {
        counters.computeIfAbsent(labels, k -> new LongAdder()).increment();
    }

    private static void counter(StringBuilder out, String name, String help, Map<String, ? extends Number> byLabels) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        new TreeMap<>(byLabels).forEach((labels, count) -> out.append(name)
                .append(labels.isEmpty() ? "" : "{" + labels + "}").append(' ').append(count.longValue()).append('\n'));
    }

    private static void gauge(StringBuilder out, String name, String help, int value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append(' ').append(value).append('\n');
    }
}
