package dev.gptneo.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every metric keeps the name, type, labels and buckets it had before the Prometheus client
 * (dashboards and scripts/soak.sh read them), and counts what it says.
 */
class ServerMetricsTest {

    private final TextFormat parsed = TextFormat.parse(BusyMetrics.text());

    @Test
    void everyMetricKeepsItsNameAndType() {
        Map<String, String> expected = new LinkedHashMap<>();
        for (String histogram : List.of("gptneo_time_to_first_token_seconds", "gptneo_inter_token_latency_seconds",
                "gptneo_batch_size", "gptneo_batch_tokens", "gptneo_step_duration_seconds")) {
            expected.put(histogram, "histogram");
        }
        for (String counter : List.of("gptneo_generated_tokens_total", "gptneo_generations_total",
                "gptneo_requests_total", "gptneo_preemptions_total")) {
            expected.put(counter, "counter");
        }
        for (String gauge : List.of("gptneo_requests_active", "gptneo_requests_running", "gptneo_requests_queued",
                "gptneo_requests_paused", "gptneo_kv_blocks_used", "gptneo_kv_blocks_free")) {
            expected.put(gauge, "gauge");
        }
        expected.forEach((name, type) -> assertEquals(type,
                parsed.families().containsKey(name) ? parsed.families().get(name).type() : "absent", name));
    }

    @Test
    void everyHistogramKeepsItsBuckets() {
        assertEquals(List.of("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"),
                bounds("gptneo_time_to_first_token_seconds"));
        assertEquals(List.of("0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "+Inf"),
                bounds("gptneo_inter_token_latency_seconds"));
        assertEquals(List.of("1.0", "2.0", "4.0", "8.0", "16.0", "24.0", "32.0", "48.0", "64.0", "+Inf"),
                bounds("gptneo_batch_size"));
        assertEquals(List.of("1.0", "2.0", "4.0", "8.0", "16.0", "32.0", "64.0", "128.0", "256.0", "512.0", "+Inf"),
                bounds("gptneo_batch_tokens"));
        assertEquals(List.of("0.01", "0.025", "0.05", "0.075", "0.1", "0.15", "0.25", "0.5", "1.0", "2.5", "+Inf"),
                bounds("gptneo_step_duration_seconds"));
    }

    @Test
    void eventsAreCountedInSecondsAndByTheirLabels() {
        assertEquals(3, parsed.sum("gptneo_generated_tokens_total"));
        assertEquals(0.030, parsed.sum("gptneo_time_to_first_token_seconds_sum"), 1e-12);
        assertEquals(2, parsed.value("gptneo_inter_token_latency_seconds_bucket", Map.of("le", "0.025")));
        assertEquals(1, parsed.value("gptneo_inter_token_latency_seconds_bucket", Map.of("le", "0.005")));
        assertEquals(17, parsed.sum("gptneo_batch_tokens_sum"));
        assertEquals(1, parsed.value("gptneo_generations_total", Map.of("reason", "length")));
        assertEquals(1, parsed.value("gptneo_generations_total", Map.of("reason", "stalled")));
        assertEquals(1, parsed.value("gptneo_generations_total", Map.of("reason", "failed")));
        assertEquals(2, parsed.value("gptneo_requests_total", Map.of("method", "Generate", "code", "OK")));
        assertEquals(1, parsed.value("gptneo_requests_total", Map.of("method", "Complete", "code", "INVALID_ARGUMENT")));
    }

    @Test
    void theEnginesStateIsReadAtTheScrape() {
        assertEquals(3, parsed.sum("gptneo_requests_active"));
        assertEquals(2, parsed.sum("gptneo_requests_running"));
        assertEquals(1, parsed.sum("gptneo_requests_queued"));
        assertEquals(0, parsed.sum("gptneo_requests_paused"));
        assertEquals(7, parsed.sum("gptneo_kv_blocks_used"));
        assertEquals(93, parsed.sum("gptneo_kv_blocks_free"));
        assertEquals(4, parsed.sum("gptneo_preemptions_total"));
    }

    @Test
    void theJvmAndProcessCollectorsAreRegistered() {
        for (String name : List.of("jvm_memory_used_bytes", "jvm_threads_current", "jvm_gc_collection_seconds",
                "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds")) {
            assertTrue(parsed.families().containsKey(name), name + " exposed");
        }
    }

    /** The {@code le} of a histogram's buckets, in the order exposed. */
    private List<String> bounds(String histogram) {
        return parsed.families().get(histogram).samples().stream()
                .filter(s -> s.name().equals(histogram + "_bucket")).map(s -> s.labels().get("le")).toList();
    }
}
