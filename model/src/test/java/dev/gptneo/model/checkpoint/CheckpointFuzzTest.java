package dev.gptneo.model.checkpoint;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gptneo.kernels.scalar.ScalarBackend;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.GptNeoConfig;
import dev.gptneo.model.GptNeoModel;
import dev.gptneo.tokenizer.Refusals;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.BiFunction;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint files of any content load or are refused with a one-line CheckpointException, in
 * bounded time and memory. Every build replays the seeds (small valid files) and past findings
 * under {@code src/test/resources/.../CheckpointFuzzTestInputs/TARGET} (Jazzer's instrumentation
 * off: {@code jazzer.hooks} is false in the pom). {@code JAZZER_FUZZ=1 ./mvnw -pl model -am test
 * -Djazzer.hooks=true -Dvector256.skip=true -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtest=CheckpointFuzzTest#safetensorsFile} fuzzes one target, coverage-guided, until a finding
 * (written to that folder) or its maxDuration; its corpus grows in {@code model/.cifuzz-corpus}.
 */
class CheckpointFuzzTest {

    @TempDir
    static Path dir;

    /** A model.safetensors: its header checked on opening, every tensor viewed and scanned. */
    @FuzzTest(maxDuration = "5m")
    void safetensorsFile(byte[] input) throws IOException {
        opensAndScansOrRefuses(input, "model.safetensors", SafetensorsFile::open);
    }

    /**
     * A pytorch_model.bin (seeds: real torch.save output, testdata/torch/): the zip container
     * read, the pickle run, every tensor viewed or copied, and scanned.
     */
    @FuzzTest(maxDuration = "5m")
    void torchFile(byte[] input) throws IOException {
        opensAndScansOrRefuses(input, "pytorch_model.bin", TorchCheckpointFile::open);
    }

    /** The pickle machine of torchFile alone, on any bytes (seeds: two torch.save pickles). */
    @FuzzTest(maxDuration = "5m")
    void pickle(byte[] input) {
        Refusals.loadsOrRefuses(CheckpointException.class,
                () -> RestrictedUnpickler.load("data.pkl", MemorySegment.ofArray(input)));
    }

    private static void opensAndScansOrRefuses(byte[] input, String name, BiFunction<Path, Arena, TensorFile> open)
            throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, input);
        Refusals.loadsOrRefuses(CheckpointException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                TensorFile opened = open.apply(file, arena);
                for (String tensor : opened.names()) {
                    FiniteValues.firstNonFinite(opened.tensor(tensor));
                }
            }
        });
    }

    /** A config.json. */
    @FuzzTest(maxDuration = "5m")
    void configJson(byte[] input) throws IOException {
        Files.write(dir.resolve("config.json"), input);
        Refusals.loadsOrRefuses(CheckpointException.class, () -> GptNeoConfig.load(dir));
    }

    /** A model.safetensors.index.json beside one valid shard, "shard.safetensors" holding "w". */
    @FuzzTest(maxDuration = "5m")
    void shardIndex(byte[] input) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("sharded"));
        if (!Files.exists(folder.resolve("shard.safetensors"))) {
            new SafetensorsWriter().put("w", new SafetensorsWriter.Blob("F32", new long[] {2}, new byte[8]))
                    .write(folder.resolve("shard.safetensors"));
        }
        Files.write(folder.resolve(Checkpoint.INDEX), input);
        Refusals.loadsOrRefuses(CheckpointException.class, () -> {
            try (Checkpoint checkpoint = Checkpoint.open(folder)) {
                checkpoint.contains("w");
            }
        });
    }

    /** A whole model folder: config.json, a NUL byte, then model.safetensors; loaded on the scalar backend. */
    @FuzzTest(maxDuration = "5m")
    void modelFolder(byte[] input) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("model"));
        int split = 0;
        while (split < input.length && input[split] != 0) {
            split++;
        }
        Files.write(folder.resolve("config.json"), Arrays.copyOf(input, split));
        Files.write(folder.resolve("model.safetensors"), Arrays.copyOfRange(input, Math.min(split + 1, input.length),
                input.length));
        Refusals.loadsOrRefuses(CheckpointException.class, () -> GptNeoModel.load(folder, new ScalarBackend(), null).close());
    }
}
