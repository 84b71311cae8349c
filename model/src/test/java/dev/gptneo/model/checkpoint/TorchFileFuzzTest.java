package dev.gptneo.model.checkpoint;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.tokenizer.Refusals;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pytorch_model.bin} files and pickles of any content load or are refused with a one-line
 * CheckpointException, in bounded time and memory, as {@link CheckpointFuzzTest} requires of
 * safetensors. Every build replays the seeds under
 * {@code src/test/resources/.../TorchFileFuzzTestInputs/TARGET}: real torch.save output (a
 * protocol-4 state dict, the os.system file, the legacy format; testdata/torch/) and the pickles
 * of two of them. {@code JAZZER_FUZZ=1 ./mvnw -pl model -am test -Djazzer.hooks=true
 * -Dvector256.skip=true -Dsurefire.failIfNoSpecifiedTests=false -Dtest=TorchFileFuzzTest#pickle}
 * fuzzes one target, coverage-guided.
 */
class TorchFileFuzzTest {

    @TempDir
    static Path dir;

    /** A whole file: the zip container read, the pickle run, every tensor viewed or copied, and scanned. */
    @FuzzTest(maxDuration = "5m")
    void torchFile(byte[] input) throws IOException {
        Path file = dir.resolve("pytorch_model.bin");
        Files.write(file, input);
        Refusals.loadsOrRefuses(CheckpointException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                TorchCheckpointFile opened = TorchCheckpointFile.open(file, arena);
                for (String name : opened.names()) {
                    FiniteValues.firstNonFinite(opened.tensor(name));
                }
            }
        });
    }

    /** The pickle machine alone, on any bytes. */
    @FuzzTest(maxDuration = "5m")
    void pickle(byte[] input) {
        Refusals.loadsOrRefuses(CheckpointException.class,
                () -> RestrictedUnpickler.load("data.pkl", MemorySegment.ofArray(input)));
    }
}
