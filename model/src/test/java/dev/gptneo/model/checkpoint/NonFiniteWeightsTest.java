package dev.gptneo.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.scalar.ScalarBackend;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.GptNeoModel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A checkpoint holding a NaN or an infinity is refused at load, naming the tensor and where in
 * it: loaded, it would make every logit NaN and greedy decoding print "!!!!!!!!" with exit 0.
 */
class NonFiniteWeightsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
        "tiny-gpt-neo, F32, transformer.h.1.mlp.c_fc.weight, 7, NaN",
        "tiny-gpt-neo-f16, F16, transformer.h.5.attn.attention.out_proj.bias, 47, Infinity",
        "tiny-gpt-neo-bf16, BF16, transformer.wte.weight, 3216447, -Infinity",
    })
    void aNonFiniteWeightIsRefusedByName(String fixture, DType dtype, String tensor, int element, float value)
            throws IOException {
        Path good = Fixtures.checkpoint(fixture);
        Files.copy(good.resolve("config.json"), dir.resolve("config.json"));
        SafetensorsWriter weights = SafetensorsWriter.copyOf(good.resolve("model.safetensors"));
        dtype.store(MemorySegment.ofArray(weights.get(tensor).bytes()), element, value);
        weights.write(dir.resolve("model.safetensors"));

        CheckpointException e = assertThrows(CheckpointException.class, () -> GptNeoModel.load(dir, new ScalarBackend(), null));
        assertEquals(dir.resolve("model.safetensors") + ": tensor " + tensor + " holds " + value + " at element "
                + element + " (weights must be finite: a NaN or infinity spreads to every logit)", e.getMessage());
    }
}
