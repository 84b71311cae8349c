package dev.gptneo.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which weights file of a folder is read: transformers' order, the first that exists, and only that one. */
class CheckpointFormatsTest {

    @TempDir
    Path dir;

    @Test
    void aFolderWithoutWeightsNamesAllFourFiles() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertEquals(dir + ": no model.safetensors, model.safetensors.index.json, pytorch_model.bin or"
                + " pytorch_model.bin.index.json (the weights files of a Hugging Face model folder)", e.getMessage());
    }

    /** Safetensors first: a pytorch_model.bin beside it, hostile here, is never opened. */
    @Test
    void safetensorsAreReadBeforeAPytorchModelBin() throws IOException {
        Files.copy(Fixtures.checkpoint("tiny-gpt-neo-f16").resolve(Checkpoint.SINGLE), dir.resolve(Checkpoint.SINGLE));
        Files.copy(Fixtures.testdata().resolve("torch/os-system").resolve(Checkpoint.TORCH_SINGLE),
                dir.resolve(Checkpoint.TORCH_SINGLE));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertTrue(checkpoint.contains("lm_head.weight"));
        }
    }

    /** A .bin index follows the safetensors index's rules: a shard outside the folder is never opened. */
    @Test
    void aTorchIndexNamingAShardOutsideTheFolderIsRefused() throws IOException {
        Files.writeString(dir.resolve(Checkpoint.TORCH_INDEX), "{\"weight_map\": {\"w\": \"../pytorch_model.bin\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertEquals(dir.resolve(Checkpoint.TORCH_INDEX) + ": field \"weight_map.w\": expected the name of a file inside"
                + " the model folder " + dir.toAbsolutePath().normalize() + ", got \"../pytorch_model.bin\"", e.getMessage());
    }
}
