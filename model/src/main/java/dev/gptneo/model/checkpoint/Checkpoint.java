package dev.gptneo.model.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.WeightSource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weights of a Hugging Face model folder: {@code model.safetensors}, or the shards listed in
 * {@code model.safetensors.index.json}. Files are memory-mapped for as long as this is open.
 */
public final class Checkpoint implements WeightSource {

    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";

    private final Arena arena;
    private final Map<String, SafetensorsFile> fileOf;

    private Checkpoint(Arena arena, Map<String, SafetensorsFile> fileOf) {
        this.arena = arena;
        this.fileOf = fileOf;
    }

    /** Maps the folder's safetensors files and checks every header. */
    public static Checkpoint open(Path dir) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return new Checkpoint(arena, index(dir, arena));
        } catch (IOException | RuntimeException e) {
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
        Map<String, SafetensorsFile> shards = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : weightMap(indexPath).entrySet()) {
            String shardName = e.getValue().getAsString();
            SafetensorsFile shard = shards.get(shardName);
            if (shard == null) {
                shard = SafetensorsFile.open(dir.resolve(shardName), arena);
                shards.put(shardName, shard);
            }
            if (shard.entry(e.getKey()) == null) {
                throw new CheckpointException(indexPath + ": tensor " + e.getKey() + " is mapped to "
                        + shardName + ", which does not contain it");
            }
            fileOf.put(e.getKey(), shard);
        }
        return fileOf;
    }

    private static JsonObject weightMap(Path indexPath) throws IOException {
        try {
            JsonElement map = JsonParser.parseString(Files.readString(indexPath)).getAsJsonObject().get("weight_map");
            if (map == null || !map.isJsonObject()) {
                throw new CheckpointException(indexPath + ": no weight_map object");
            }
            return map.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new CheckpointException(indexPath + ": not valid JSON: " + e.getMessage());
        }
    }

    @Override
    public boolean contains(String name) {
        return fileOf.containsKey(name);
    }

    /**
     * The tensor {@code name}, checked to have exactly {@code shape}.
     *
     * @throws CheckpointException naming the file and tensor when it is missing or misshapen
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
        return file.tensor(name);
    }

    @Override
    public void close() {
        arena.close();
    }
}
