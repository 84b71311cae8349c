package dev.gptneo.bench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.Backends;
import dev.gptneo.model.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A run says what it is doing as each step begins, in order: what {@code gptneo bench}'s progress line shows. */
class BenchmarkPhasesTest {

    @Test
    void everyStepIsAnnouncedInOrder() throws Exception {
        List<String> phases = new ArrayList<>();
        try (LoadedModel tiny = LoadedModel.open("synthetic:tiny", null,
                Backends.create("vector", new BackendOptions(1, 0, 0)), null)) {
            Benchmark.run(tiny.model(), 1, 8, 20, 1 << 20, 2, phases::add);
        }
        assertEquals(List.of("warming up", "measuring the machine's bandwidth and FMA peak", "prefill 1 of 3",
                "prefill 2 of 3", "prefill 3 of 3", "decode round 1 of 2", "decode round 2 of 2",
                "decoding 2 sequences together", "measuring the machine's limits again"), phases);
    }
}
