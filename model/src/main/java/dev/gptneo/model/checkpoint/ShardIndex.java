package dev.gptneo.model.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.gptneo.tokenizer.io.InputFiles;
import dev.gptneo.tokenizer.io.JsonSource;
import dev.gptneo.tokenizer.io.StrictJson;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A sharded checkpoint's index ({@code model.safetensors.index.json} or
 * {@code pytorch_model.bin.index.json}, the same format): its {@code weight_map} names, for each
 * tensor, the shard file holding it. Each shard is opened once, and every tensor must be in the
 * shard it is mapped to.
 *
 * <p>Shards are named by path: only paths inside the model folder are opened (a shard named
 * {@code ../../etc/passwd} is refused), without control characters (a newline in one would split
 * every message naming it). Symbolic links are followed, as Hugging Face's cache links a
 * snapshot's files to its blobs elsewhere.
 */
final class ShardIndex {

    /** An index lists one line per tensor: a few hundred kilobytes for the largest models. */
    private static final long MAX_INDEX_BYTES = 64L << 20;

    private ShardIndex() {
    }

    /**
     * Tensor name to the opened shard holding it.
     *
     * @param open opens one shard file, checking it throughout
     */
    static Map<String, TensorFile> read(Path dir, Path indexPath, Function<Path, TensorFile> open) throws IOException {
        JsonSource index = new JsonSource(indexPath.toString());
        JsonObject root = index.object(StrictJson.parse(InputFiles.readText(indexPath, MAX_INDEX_BYTES),
                indexPath.toString()), "");
        Map<String, TensorFile> fileOf = new LinkedHashMap<>();
        Map<Path, TensorFile> shards = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : index.object(root.get("weight_map"), "weight_map").entrySet()) {
            String field = "weight_map." + e.getKey();
            TensorFile shard = shards.computeIfAbsent(
                    shardPath(index, field, dir, index.string(e.getValue(), field)), open);
            if (!shard.names().contains(e.getKey())) {
                throw index.error(field, "tensor " + JsonSource.quote(e.getKey()) + " is mapped to "
                        + JsonSource.quote(e.getValue().getAsString()) + ", which does not contain it");
            }
            fileOf.put(e.getKey(), shard);
        }
        return fileOf;
    }

    /** The shard {@code name} of the index, when it is a relative path that stays inside {@code dir}. */
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
}
