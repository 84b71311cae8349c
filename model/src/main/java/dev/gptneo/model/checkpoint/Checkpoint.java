package dev.gptneo.model.checkpoint;

import dev.gptneo.kernels.HostTensor;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.WeightSource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The weights of a Hugging Face model folder, in the order transformers looks for them:
 * {@code model.safetensors}, the shards listed in {@code model.safetensors.index.json},
 * {@code pytorch_model.bin}, or the shards listed in {@code pytorch_model.bin.index.json}. Files
 * are memory-mapped for as long as this is open (a {@code .bin} tensor stored as a strided view
 * is copied once, into the same arena). Shard indexes are read by {@link ShardIndex}.
 */
public final class Checkpoint implements WeightSource {

    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";
    static final String TORCH_SINGLE = "pytorch_model.bin";
    static final String TORCH_INDEX = "pytorch_model.bin.index.json";

    /** A weights format: its single-file name, its index's name, and how one of its files opens. */
    private record Format(String single, String index, BiFunction<Path, Arena, TensorFile> open) {
    }

    private static final List<Format> FORMATS = List.of(
            new Format(SINGLE, INDEX, SafetensorsFile::open),
            new Format(TORCH_SINGLE, TORCH_INDEX, TorchCheckpointFile::open));

    private final Arena arena;
    private final Map<String, TensorFile> fileOf;

    private Checkpoint(Arena arena, Map<String, TensorFile> fileOf) {
        this.arena = arena;
        this.fileOf = fileOf;
    }

    /**
     * Maps the folder's weights files and checks every header (or pickle).
     *
     * @throws CheckpointException naming the file, and the tensor or field, at fault
     */
    public static Checkpoint open(Path dir) {
        Arena arena = Arena.ofShared();
        try {
            return new Checkpoint(arena, index(dir, arena));
        } catch (IOException e) {
            arena.close();
            throw new CheckpointException(e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, TensorFile> index(Path dir, Arena arena) throws IOException {
        for (Format format : FORMATS) {
            if (Files.exists(dir.resolve(format.single()))) {
                TensorFile file = format.open().apply(dir.resolve(format.single()), arena);
                Map<String, TensorFile> fileOf = new LinkedHashMap<>();
                file.names().forEach(name -> fileOf.put(name, file));
                return fileOf;
            }
            if (Files.exists(dir.resolve(format.index()))) {
                return ShardIndex.read(dir, dir.resolve(format.index()), shard -> format.open().apply(shard, arena));
            }
        }
        throw new CheckpointException(dir + ": no " + SINGLE + ", " + INDEX + ", " + TORCH_SINGLE + " or "
                + TORCH_INDEX + " (the weights files of a Hugging Face model folder)");
    }

    @Override
    public boolean contains(String name) {
        return fileOf.containsKey(name);
    }

    /**
     * The tensor {@code name}, checked to have exactly {@code shape} and only finite values (one
     * pass over it, a fraction of what loading it costs).
     *
     * @throws CheckpointException naming the file and tensor when it is missing, misshapen or not finite
     */
    @Override
    public HostTensor require(String name, long... shape) {
        TensorFile file = fileOf.get(name);
        if (file == null) {
            throw new CheckpointException("tensor " + name + " is missing from the checkpoint");
        }
        long[] actual = file.shape(name);
        if (!Arrays.equals(actual, shape)) {
            throw new CheckpointException(file.path() + ": tensor " + name + " has shape "
                    + Arrays.toString(actual) + ", but config.json implies " + Arrays.toString(shape));
        }
        HostTensor tensor = file.tensor(name);
        long bad = FiniteValues.firstNonFinite(tensor);
        if (bad >= 0) {
            throw new CheckpointException(file.path() + ": tensor " + name + " holds " + tensor.get(bad)
                    + " at element " + bad + " (weights must be finite: a NaN or infinity spreads to every logit)");
        }
        return tensor;
    }

    @Override
    public void close() {
        arena.close();
    }
}
