package dev.gptneo.model.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.gptneo.tokenizer.io.StrictJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Which of a repo's files a GPT-Neo needs, and nothing else: a repo also holds Flax, TensorFlow,
 * Rust and ONNX copies of the same weights, each as large as the one we read.
 *
 * <p>{@code config.json}; the weights, preferring safetensors as transformers does —
 * {@code model.safetensors}, else {@code model.safetensors.index.json} and the shards its
 * {@code weight_map} names; only when there are none, {@code pytorch_model.bin} or its index and
 * shards; and whichever of the tokenizer and generation-config files the repo has.
 */
final class FileSelection {

    static final String CONFIG = "config.json";

    /** The weights, in the order they are preferred: a single file, then an index. */
    private static final List<String> WEIGHTS = List.of("model.safetensors", "model.safetensors.index.json",
            "pytorch_model.bin", "pytorch_model.bin.index.json");

    /** Fetched when the repo has them; a model loads without them (the built-in GPT-2 tokenizer). */
    private static final List<String> OPTIONAL = List.of("tokenizer.json", "vocab.json", "merges.txt",
            "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "generation_config.json");

    /** The cap on an index's size, as the checkpoint loader has it. */
    private static final long MAX_INDEX_BYTES = 64L << 20;

    private FileSelection() {
    }

    /**
     * The files to fetch first from a repo listing {@code files}: {@code config.json}, the
     * preferred weights file (an index's shards come after it is read: {@link #shards}), and the
     * optional files present.
     *
     * @throws HubException when the repo has no {@code config.json} or no weights we can read
     */
    static List<String> fromListing(HubModelId id, Collection<String> files) {
        if (!files.contains(CONFIG)) {
            throw new HubException(id + ": the repo has no config.json at revision " + id.revision()
                    + "; is it a transformers model?");
        }
        String weights = WEIGHTS.stream().filter(files::contains).findFirst()
                .orElseThrow(() -> new HubException(id + ": the repo has none of " + String.join(", ", WEIGHTS)
                        + " at revision " + id.revision() + " (Flax, TensorFlow, Rust and ONNX weights are not read)"));
        List<String> selected = new ArrayList<>(List.of(CONFIG, weights));
        OPTIONAL.stream().filter(files::contains).forEach(selected::add);
        return selected;
    }

    /** Whether {@code file} is an index whose shards must be fetched after it. */
    static boolean isIndex(String file) {
        return file.endsWith(".index.json");
    }

    /**
     * The shards an index names, each once, in name order.
     *
     * @param listed the repo's files: a shard the repo does not have is refused here, before
     *     anything is fetched for it
     */
    static List<String> shards(HubModelId id, Path index, Collection<String> listed) throws IOException {
        List<String> shards = shardsOf(id, index);
        for (String shard : shards) {
            if (!listed.contains(shard)) {
                throw new HubException(id + ": " + index.getFileName() + " names the shard " + shard
                        + ", which the repo does not have");
            }
        }
        return shards;
    }

    /**
     * Whether the snapshot folder holds a loadable selection already: {@code config.json} and the
     * preferred weights present in it (an index with every shard). The optional files cannot be
     * told apart from ones the repo lacks, so they are not asked for.
     */
    static boolean isComplete(HubModelId id, Path snapshot) throws IOException {
        if (!Files.isRegularFile(snapshot.resolve(CONFIG))) {
            return false;
        }
        Optional<String> weights = WEIGHTS.stream().filter(w -> Files.isRegularFile(snapshot.resolve(w))).findFirst();
        if (weights.isEmpty()) {
            return false;
        }
        if (!isIndex(weights.get())) {
            return true;
        }
        for (String shard : shardsOf(id, snapshot.resolve(weights.get()))) {
            if (!Files.isRegularFile(snapshot.resolve(shard))) {
                return false;
            }
        }
        return true;
    }

    private static List<String> shardsOf(HubModelId id, Path index) throws IOException {
        String name = id + ": " + index.getFileName();
        if (Files.size(index) > MAX_INDEX_BYTES) {
            throw new HubException(name + ": over " + ByteSize.format(MAX_INDEX_BYTES) + ", refused");
        }
        JsonElement root = StrictJson.parse(Files.readString(index, StandardCharsets.UTF_8), name);
        JsonElement map = root.isJsonObject() ? root.getAsJsonObject().get("weight_map") : null;
        if (map == null || !map.isJsonObject()) {
            throw new HubException(name + ": expected an object with a \"weight_map\" object");
        }
        TreeSet<String> shards = new TreeSet<>();
        for (Map.Entry<String, JsonElement> entry : ((JsonObject) map).entrySet()) {
            JsonElement file = entry.getValue();
            if (!file.isJsonPrimitive() || !file.getAsJsonPrimitive().isString()) {
                throw new HubException(name + ": weight_map \"" + entry.getKey() + "\": expected a file name");
            }
            shards.add(RepoPath.require(file.getAsString(), id));
        }
        return List.copyOf(shards);
    }
}
