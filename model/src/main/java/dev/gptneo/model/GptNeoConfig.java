package dev.gptneo.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a Hugging Face GPT-Neo {@code config.json} the graph needs. Nothing in the engine
 * assumes the 125M shape; everything is read from here.
 *
 * @param localLayers per layer, whether it uses local (windowed) attention
 */
public record GptNeoConfig(
        int vocabSize,
        int hidden,
        int heads,
        int intermediate,
        int maxPositions,
        int windowSize,
        float layerNormEps,
        int eosTokenId,
        List<Boolean> localLayers) {

    public GptNeoConfig {
        localLayers = List.copyOf(localLayers);
        require(vocabSize > 0, "vocab_size must be positive");
        require(hidden > 0, "hidden_size must be positive");
        require(heads > 0 && hidden % heads == 0, "hidden_size " + hidden + " is not divisible by num_heads " + heads);
        require(intermediate > 0, "intermediate_size must be positive");
        require(maxPositions > 0, "max_position_embeddings must be positive");
        require(windowSize > 0, "window_size must be positive");
        require(!localLayers.isEmpty(), "num_layers must be positive");
    }

    public int layers() {
        return localLayers.size();
    }

    /** The attention window of a layer: 0 for global layers. */
    public int window(int layer) {
        return localLayers.get(layer) ? windowSize : 0;
    }

    /** The exact GPT-Neo 125M configuration (EleutherAI/gpt-neo-125M). */
    public static GptNeoConfig gptNeo125m() {
        return new GptNeoConfig(50257, 768, 12, 3072, 2048, 256, 1e-5f, 50256, alternating(12));
    }

    /** A small model of the same structure, for smoke runs. */
    public static GptNeoConfig tiny() {
        return new GptNeoConfig(50257, 64, 4, 256, 128, 8, 1e-5f, 50256, alternating(4));
    }

    private static List<Boolean> alternating(int layers) {
        List<Boolean> local = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            local.add(i % 2 == 1);
        }
        return local;
    }

    /** Reads and validates {@code dir/config.json}; errors name the file and the field. */
    public static GptNeoConfig load(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": missing (a GPT-Neo model folder needs config.json)");
        } catch (JsonParseException | IllegalStateException e) {
            throw new CheckpointException(file + ": not a JSON object: " + e.getMessage());
        }
        try {
            return parse(json);
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            // Gson reports a field of the wrong JSON kind with the latter two.
            throw new CheckpointException(file + ": " + e.getMessage());
        }
    }

    static GptNeoConfig parse(JsonObject json) {
        String type = optionalString(json, "model_type");
        if (!"gpt_neo".equals(type)) {
            throw new IllegalArgumentException("model_type is " + (type == null ? "missing" : "'" + type + "'")
                    + ", expected 'gpt_neo'");
        }
        int hidden = requiredInt(json, "hidden_size");
        int layers = requiredInt(json, "num_layers");
        JsonElement inter = json.get("intermediate_size");
        int intermediate = inter == null || inter.isJsonNull() ? 4 * hidden : requiredInt(json, "intermediate_size");
        List<Boolean> local = expandAttentionTypes(json, layers);
        float eps = json.has("layer_norm_epsilon") ? json.get("layer_norm_epsilon").getAsFloat() : 1e-5f;
        int eos = json.has("eos_token_id") && !json.get("eos_token_id").isJsonNull()
                ? requiredInt(json, "eos_token_id") : 50256;
        return new GptNeoConfig(requiredInt(json, "vocab_size"), hidden, requiredInt(json, "num_heads"),
                intermediate, requiredInt(json, "max_position_embeddings"), requiredInt(json, "window_size"),
                eps, eos, local);
    }

    /**
     * Expands {@code attention_types}, e.g. {@code [[["global","local"],6]]}, into one flag per
     * layer, and checks it against {@code num_layers} as Hugging Face does.
     */
    private static List<Boolean> expandAttentionTypes(JsonObject json, int layers) {
        JsonElement types = json.get("attention_types");
        if (types == null || !types.isJsonArray()) {
            throw new IllegalArgumentException("attention_types is missing or not a list");
        }
        List<Boolean> local = new ArrayList<>();
        for (JsonElement group : types.getAsJsonArray()) {
            JsonArray pair = group.getAsJsonArray();
            if (pair.size() != 2) {
                throw new IllegalArgumentException("attention_types entry " + group + " is not [pattern, repeat]");
            }
            int repeat = pair.get(1).getAsInt();
            for (int r = 0; r < repeat; r++) {
                for (JsonElement kind : pair.get(0).getAsJsonArray()) {
                    local.add(switch (kind.getAsString()) {
                        case "global" -> false;
                        case "local" -> true;
                        default -> throw new IllegalArgumentException(
                                "attention_types has unknown attention '" + kind.getAsString() + "'");
                    });
                }
            }
        }
        if (local.size() != layers) {
            throw new IllegalArgumentException("attention_types expands to " + local.size()
                    + " layers but num_layers is " + layers);
        }
        return local;
    }

    private static int requiredInt(JsonObject json, String field) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        try {
            return e.getAsInt();
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException(field + " is not an integer: " + e);
        }
    }

    private static String optionalString(JsonObject json, String field) {
        JsonElement e = json.get(field);
        return e == null || !e.isJsonPrimitive() ? null : e.getAsString();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
