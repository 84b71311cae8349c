package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gptneo.model.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code bench} end to end on a small model, with a small bandwidth probe to stay quick. */
class BenchCommandTest {
    private static final Path FIXTURE = Fixtures.checkpoint("tiny-gpt-neo");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void jsonReportsSpeedsLimitsAndRatios() {
        int status = run("bench", "--model", FIXTURE.toString(), "--backend", "vector", "--dtype", "q8",
                "--threads", "2", "--prompt-tokens", "16", "--new-tokens", "4", "--limits-buffer-mb", "16", "--batch", "3",
                "--json");
        assertEquals(0, status, err.toString());
        JsonObject json = JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("vector", json.get("backend").getAsString());
        assertEquals("q8", json.get("dtype").getAsString());
        assertEquals(2, json.get("threads").getAsInt());
        for (String field : new String[] {"decode_tokens_per_s", "prefill_tokens_per_s", "bandwidth_gb_s",
                "fma_gflops", "decode_bandwidth_ratio", "prefill_fma_ratio", "bandwidth_peak_gb_s",
                "decode_peak_bandwidth_ratio", "decode_weight_bandwidth_ratio", "kv_cache_bytes_per_token"}) {
            assertTrue(json.get(field).getAsDouble() > 0, field + " in " + json);
        }
        // A decode step reads the weights and the KV cache; the ratios are its bytes per second over the
        // bandwidth while decoding and over the peak, and the weights alone over the former.
        double weightBytes = json.get("weight_bytes_per_token").getAsLong();
        double decodeBytes = json.get("decode_bytes_per_token").getAsDouble();
        assertEquals(weightBytes + json.get("kv_cache_bytes_per_token").getAsDouble(), decodeBytes, 1e-6, json.toString());
        double tokensPerSecond = json.get("decode_tokens_per_s").getAsDouble();
        double decodeGBs = tokensPerSecond * decodeBytes / 1e9;
        assertEquals(decodeGBs / json.get("bandwidth_gb_s").getAsDouble(),
                json.get("decode_bandwidth_ratio").getAsDouble(), 1e-9 * decodeGBs, json.toString());
        assertEquals(tokensPerSecond * weightBytes / 1e9 / json.get("bandwidth_gb_s").getAsDouble(),
                json.get("decode_weight_bandwidth_ratio").getAsDouble(), 1e-9 * decodeGBs, json.toString());
        assertEquals(decodeGBs / json.get("bandwidth_peak_gb_s").getAsDouble(),
                json.get("decode_peak_bandwidth_ratio").getAsDouble(), 1e-9 * decodeGBs, json.toString());
        // A batched step's floors: the weights once at the bandwidth, its FLOPs (the step's FLOP/s
        // over the peak, times the step) at the FMA peak.
        assertEquals(3, json.get("batch_sequences").getAsInt());
        assertEquals(weightBytes / 1e6 / json.get("bandwidth_gb_s").getAsDouble(),
                json.get("batch_weights_floor_ms").getAsDouble(), 1e-9, json.toString());
        assertEquals(json.get("batch_fma_ratio").getAsDouble() * json.get("batch_step_ms").getAsDouble(),
                json.get("batch_fma_floor_ms").getAsDouble(), 1e-9, json.toString());
    }

    @Test
    void tooLongARunIsNamed() {
        assertEquals(1, run("bench", "--model", FIXTURE.toString(), "--prompt-tokens", "120", "--new-tokens", "20",
                "--limits-buffer-mb", "16"));
        assertTrue(err.toString().contains("exceed the 128 positions"), err.toString());
    }
}
