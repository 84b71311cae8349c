package dev.gptneo.server.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.model.engine.EngineStats;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {

    @Test
    void theEnginesKvBlocksAndPreemptionsAreExposed() {
        String text = new ServerMetrics().render(new EngineStats(2, 1, 0, 7, 93, 4));
        for (String line : new String[] {
                "# TYPE gptneo_kv_blocks_used gauge", "gptneo_kv_blocks_used 7",
                "# TYPE gptneo_kv_blocks_free gauge", "gptneo_kv_blocks_free 93",
                "# TYPE gptneo_preemptions_total counter", "gptneo_preemptions_total 4"}) {
            assertTrue(text.lines().anyMatch(line::equals), () -> "no line '" + line + "' in:\n" + text);
        }
    }
}
