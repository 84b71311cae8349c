package dev.gptneo.model.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.WeightSource;
import dev.gptneo.tokenizer.io.InputFiles;
import dev.gptneo.tokenizer.io.JsonSource;
import dev.gptneo.tokenizer.io.StrictJson;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weights of a Hugging Face model folder: {@code model.safetensors}, or the shards listed in
 * {@code model.safetensors.index.json}. Files are memory-mapped for as long as this is open.
 *
 * <p>An index names its shards by path: only paths inside the model folder are opened (a shard
 * named {@code ../../etc/passwd} is refused), and only regular files. Symbolic links are followed,
 * as Hugging Face's cache links a snapshot's files to its blobs elsewhere.
 */
public final class Checkpoint implements WeightSource {

    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";
    /** An index lists one line per tensor: a few hundred kilobytes for the largest models. */
    private static final long MAX_INDEX_BYTES = 64L << 20;

    private final Arena arena;
    private final Map<String, SafetensorsFile> fileOf;

    private Checkpoint(Arena arena, Map<String, SafetensorsFile> fileOf) {
        this.arena = arena;
        this.fileOf = fileOf;
    }

    /**
     * Maps the folder's safetensors files and checks every header.
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

    private static Map<String, SafetensorsFile> index(Path dir, Arena arena) throws IOException {
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        if (Files.exists(dir.resolve(SINGLE))) {
            SafetensorsFile file = SafetensorsFile.open(dir.resolve(SINGLE), arena);
            file.names().forEach(name -> fileOf.put(name, file));
            return fileOf;
        }
        Path indexPath = dir.resolve(INDEX);
        if (!Files.exists(indexPath)) {
            throw new CheckpointException(dir + ": no " + SINGLE + " or " + INDEX + " (only safetensors checkpoints are supported)");
        }
        JsonSource index = new JsonSource(indexPath.toString());
        JsonObject root = index.object(StrictJson.parse(InputFiles.readText(indexPath, MAX_INDEX_BYTES),
                indexPath.toString()), "");
        Map<Path, SafetensorsFile> shards = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : index.object(root.get("weight_map"), "weight_map").entrySet()) {
            String field = "weight_map." + e.getKey();
            Path shardPath = shardPath(index, field, dir, index.string(e.getValue(), field));
            SafetensorsFile shard = shards.get(shardPath);
            if (shard == null) {
                shard = SafetensorsFile.open(shardPath, arena);
                shards.put(shardPath, shard);
            }
            if (shard.entry(e.getKey()) == null) {
                throw index.error(field, "tensor " + JsonSource.quote(e.getKey()) + " is mapped to "
                        + JsonSource.quote(e.getValue().getAsString()) + ", which does not contain it");
            }
            fileOf.put(e.getKey(), shard);
        }
        return fileOf;
    }

    /**
     * The shard {@code name} of the index: a relative path that stays inside {@code dir} once
     * normalised, without control characters (a newline in it would split every message naming it).
     */
    private static Path shardPath(JsonSource index, String field, Path dir, String name) throws IOException {
        Path folder = dir.toAbsolutePath().normalize();
        try {
            Path shard = folder.resolve(name).normalize();
            if (!Path.of(name).isAbsolute() && shard.startsWith(folder) && !shard.equals(folder)
                    && name.chars().noneMatch(Character::isISOControl)) {
                return shard;
            }
        } catch (InvalidPathException e) {
            // refused below, as any other name that is not a file of the folder
        }
        throw index.expected(field, "the name of a file inside the model folder " + folder, new JsonPrimitive(name));
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
        SafetensorsFile file = fileOf.get(name);
        if (file == null) {
            throw new CheckpointException("tensor " + name + " is missing from the checkpoint");
        }
        long[] actual = file.entry(name).shape();
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
