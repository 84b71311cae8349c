package dev.gptneo.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.grpc.Status;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The figures of a {@link LoadRun}: latency histograms in microseconds over the streams that
 * completed (a call of any other kind or ending adds nothing to them), every call by kind and by
 * how it ended, the failures (calls that ended as their kind should not: {@link CallKind#expects})
 * by status code, and output tokens/s over the run's wall time (every token any call received);
 * printed as a table or as one JSON object.
 */
final class LoadReport {

    /** Significant digits of every histogram: each percentile is within 0.1% of the exact value. */
    static final int DIGITS = 3;

    /** The figures of each latency, in {@link #figures}' order. */
    private static final List<String> FIGURES = List.of("p50", "p90", "p99", "max", "mean");

    private final LoadRun.Settings settings;
    private final Histogram ttft = new Histogram(DIGITS);
    private final Histogram itl = new Histogram(DIGITS);
    private final Histogram tpot = new Histogram(DIGITS);
    private final Histogram e2e = new Histogram(DIGITS);
    private final Map<String, Integer> errors = new TreeMap<>();
    /** Every call, by kind (in the enum's order) and by ending. */
    private final Map<CallKind, Map<String, Integer>> calls = new EnumMap<>(CallKind.class);
    /** The failures, the same way. */
    private final Map<CallKind, Map<String, Integer>> unexpected = new EnumMap<>(CallKind.class);
    private int completed;
    private int cancelled;
    private int requests;
    private long outputTokens;
    private long wallNanos;
    private RuntimeException firstFailure;

    LoadReport(LoadRun.Settings settings) {
        this.settings = settings;
    }

    static long micros(long nanos) {
        return nanos / 1_000;
    }

    /**
     * A stream that ended OK: {@code tokens} received, the first {@code ttftNanos} after it was sent,
     * the stream's end {@code e2eNanos} after, {@code decodeNanos} from the first token to the end,
     * and the gaps between its token messages (in microseconds). Its ending is counted by {@link #ended}.
     */
    synchronized void completed(int tokens, long ttftNanos, long e2eNanos, long decodeNanos, Histogram gaps) {
        completed++;
        e2e.recordValue(micros(e2eNanos));
        if (tokens > 0) {
            ttft.recordValue(micros(ttftNanos));
        }
        if (tokens > 1) {
            tpot.recordValue(micros(decodeNanos / (tokens - 1)));
        }
        itl.add(gaps);
    }

    /**
     * Any call, once it has ended so, after receiving {@code tokens}; {@code expected} as its kind
     * says; {@code failure} the exception it ended with, or null.
     */
    synchronized void ended(CallKind kind, CallKind.Ending ending, boolean expected, int tokens,
            RuntimeException failure) {
        requests++;
        outputTokens += tokens;
        count(calls, kind, ending);
        if (!expected) {
            count(unexpected, kind, ending);
            errors.merge(ending.status(), 1, Integer::sum);
            if (firstFailure == null) {
                firstFailure = failure;
            }
        } else if (kind == CallKind.CANCEL) {
            cancelled++;
        }
    }

    private static void count(Map<CallKind, Map<String, Integer>> table, CallKind kind, CallKind.Ending ending) {
        table.computeIfAbsent(kind, k -> new TreeMap<>()).merge(ending.status(), 1, Integer::sum);
    }

    synchronized void wallNanos(long nanos) {
        wallNanos = nanos;
    }

    /** The CANCEL calls the client cancelled, as planned. */
    synchronized int cancelled() {
        return cancelled;
    }

    /** The calls that ended as their kind should not. */
    synchronized int failed() {
        return errors.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Every call made, however it ended. */
    synchronized int requests() {
        return requests;
    }

    /** The calls the server refused for want of room (RESOURCE_EXHAUSTED), expected or not. */
    synchronized int refused() {
        String refusal = Status.Code.RESOURCE_EXHAUSTED.name();
        return calls.values().stream().mapToInt(byStatus -> byStatus.getOrDefault(refusal, 0)).sum();
    }

    /** The exception the first unexpected ending came with (a refused connection, say), if any did. */
    synchronized Optional<RuntimeException> firstFailure() {
        return Optional.ofNullable(firstFailure);
    }

    /** The failures by status code, as "RESOURCE_EXHAUSTED 3, UNAVAILABLE 1"; empty without any. */
    synchronized String errorsByCode() {
        return counts(errors);
    }

    /** "OK 7, UNAVAILABLE 1". */
    private static String counts(Map<String, Integer> byStatus) {
        return byStatus.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    synchronized String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("target", settings.target());
        o.addProperty("concurrency", settings.concurrency());
        o.addProperty("requests", requests());
        o.addProperty("duration_s", settings.duration() == null ? null : settings.duration().toSeconds());
        o.addProperty("prompt_tokens", settings.promptTokens());
        o.addProperty("max_new_tokens", settings.maxNewTokens());
        o.addProperty("seed", settings.seed());
        CallPlan.Mix mix = settings.mix();
        o.addProperty("cancel_fraction", mix.cancel());
        o.addProperty("stall_fraction", mix.stall());
        o.addProperty("stall_s", settings.stallHold().toSeconds());
        o.addProperty("deadline_fraction", mix.deadline());
        o.addProperty("vanish_fraction", mix.vanish());
        o.addProperty("malformed_fraction", mix.malformed());
        o.addProperty("flood", settings.flood());
        o.addProperty("warmup_requests", settings.warmupRequests());
        o.addProperty("completed", completed);
        o.addProperty("cancelled", cancelled);
        o.addProperty("failed", failed());
        JsonObject byCode = new JsonObject();
        errors.forEach(byCode::addProperty);
        o.add("errors", byCode);
        o.add("calls", json(calls));
        o.add("unexpected", json(unexpected));
        o.addProperty("output_tokens", outputTokens);
        o.addProperty("wall_s", wallSeconds());
        o.addProperty("output_tokens_per_s", perSecond(outputTokens));
        o.addProperty("requests_per_s", perSecond(completed));
        o.add("ttft_ms", summary(ttft));
        o.add("itl_ms", summary(itl));
        o.add("tpot_ms", summary(tpot));
        o.add("e2e_ms", summary(e2e));
        return new GsonBuilder().serializeNulls().create().toJson(o);
    }

    synchronized String toText() {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, """
                target %s: %d requests%s, %d at a time, %d prompt + %d new tokens each (seed %d)%s
                completed %d, %sfailed %d%s
                %d output tokens in %.3f s: %.1f tokens/s, %.2f requests/s
                calls: %s; unexpected %d%s

                """,
                settings.target(), requests(),
                settings.duration() == null ? "" : " started in " + settings.duration().toSeconds() + " s",
                settings.concurrency(), settings.promptTokens(), settings.maxNewTokens(), settings.seed(),
                settings.warmupRequests() == 0 ? "" : ", after " + settings.warmupRequests() + " warm-up calls",
                completed,
                settings.mix().cancel() == 0 ? ""
                        : String.format(Locale.ROOT, "cancelled by the client %d (--cancel-fraction %s), ", cancelled,
                                settings.mix().cancel()),
                failed(), errors.isEmpty() ? "" : " (" + errorsByCode() + ")",
                outputTokens, wallSeconds(), perSecond(outputTokens), perSecond(completed),
                calls.isEmpty() ? "none" : text(calls), failed(), unexpected.isEmpty() ? "" : ": " + text(unexpected)));
        text.append(String.format(Locale.ROOT, "%-10s", "latency ms"));
        FIGURES.forEach(figure -> text.append(String.format(Locale.ROOT, "%10s", figure)));
        text.append('\n');
        row(text, "ttft", ttft);
        row(text, "itl", itl);
        row(text, "tpot", tpot);
        row(text, "e2e", e2e);
        return text.toString().stripTrailing();
    }

    /** {"stream": {"OK": 8}, ...}: the kinds with calls, in the enum's order. */
    private static JsonObject json(Map<CallKind, Map<String, Integer>> table) {
        JsonObject o = new JsonObject();
        table.forEach((kind, byStatus) -> {
            JsonObject statuses = new JsonObject();
            byStatus.forEach(statuses::addProperty);
            o.add(kind.label, statuses);
        });
        return o;
    }

    /** "stream 8 (OK 7, UNAVAILABLE 1), stall 2 (ABORTED 2)". */
    private static String text(Map<CallKind, Map<String, Integer>> table) {
        return table.entrySet().stream()
                .map(kind -> kind.getKey().label + " " + kind.getValue().values().stream().mapToInt(Integer::intValue).sum()
                        + " (" + counts(kind.getValue()) + ")")
                .collect(Collectors.joining(", "));
    }

    private double wallSeconds() {
        return wallNanos / 1e9;
    }

    private double perSecond(long count) {
        return wallNanos > 0 ? count * 1e9 / wallNanos : 0;
    }

    /** p50, p90, p99, max and mean of {@code h}, in milliseconds. */
    private static double[] figures(Histogram h) {
        return new double[] {h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3, h.getMean() / 1e3};
    }

    /** {@link #figures} by name; null when nothing was recorded. */
    private static JsonElement summary(Histogram h) {
        if (h.getTotalCount() == 0) {
            return JsonNull.INSTANCE;
        }
        JsonObject o = new JsonObject();
        double[] values = figures(h);
        for (int i = 0; i < FIGURES.size(); i++) {
            o.addProperty(FIGURES.get(i), values[i]);
        }
        return o;
    }

    private static void row(StringBuilder text, String name, Histogram h) {
        text.append(String.format(Locale.ROOT, "%-10s", name));
        if (h.getTotalCount() == 0) {
            text.append(String.format(Locale.ROOT, "%10s", "n/a"));
        } else {
            for (double value : figures(h)) {
                text.append(String.format(Locale.ROOT, "%10.2f", value));
            }
        }
        text.append('\n');
    }
}
