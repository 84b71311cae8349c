package dev.gptneo.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.gptneo.tokenizer.io.InputFiles;
import dev.gptneo.tokenizer.io.JsonSource;
import dev.gptneo.tokenizer.io.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a Hugging Face GPT-Neo {@code config.json} the graph needs. Nothing in the engine
 * assumes the 125M shape; everything is read from here.
 *
 * <p>Every value is bounded by what the model can use, so that no config, however hostile, makes
 * the loader allocate what its weights do not justify or an int product overflow: the limits are
 * far above any GPT-Neo (2.7B: hidden 2560, 32 layers, 2048 positions, vocabulary 50,257).
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

    static final int MAX_VOCAB = 1 << 20;
    static final int MAX_HIDDEN = 1 << 16;
    static final int MAX_INTERMEDIATE = 4 * MAX_HIDDEN;
    static final int MAX_POSITIONS = 1 << 20;
    static final int MAX_LAYERS = 1024;
    /** The elements of one weight matrix: backends index them with an int. */
    static final long MAX_MATRIX_ELEMENTS = Integer.MAX_VALUE;
    /** A config.json is a few kilobytes; more than this is not one. */
    private static final long MAX_FILE_BYTES = 16L << 20;

    /** @throws IllegalArgumentException naming the config.json field (as Hugging Face calls it) out of range */
    public GptNeoConfig {
        localLayers = List.copyOf(localLayers);
        requireIn("vocab_size", vocabSize, 1, MAX_VOCAB);
        requireIn("hidden_size", hidden, 1, MAX_HIDDEN);
        requireIn("num_heads", heads, 1, hidden);
        require(hidden % heads == 0, "hidden_size", "a multiple of num_heads (" + heads + ")", hidden);
        requireIn("intermediate_size", intermediate, 1, MAX_INTERMEDIATE);
        requireIn("max_position_embeddings", maxPositions, 1, MAX_POSITIONS);
        require(windowSize >= 1 && windowSize <= maxPositions, "window_size",
                "from 1 to max_position_embeddings (" + maxPositions + ")", windowSize);
        require(Float.isFinite(layerNormEps) && layerNormEps > 0, "layer_norm_epsilon", "a positive number",
                layerNormEps);
        require(eosTokenId >= 0 && eosTokenId < vocabSize, "eos_token_id",
                "an id below vocab_size (" + vocabSize + ")", eosTokenId);
        requireIn("num_layers", localLayers.size(), 1, MAX_LAYERS);
        requireMatrix("vocab_size", vocabSize, hidden);
        requireMatrix("max_position_embeddings", maxPositions, hidden);
        requireMatrix("intermediate_size", intermediate, hidden);
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

    /**
     * Reads and validates {@code dir/config.json}: strict JSON, every field of the right kind and
     * within the bounds above.
     *
     * @throws CheckpointException naming the file and the field, and what was expected
     */
    public static GptNeoConfig load(Path dir) {
        Path file = dir.resolve("config.json");
        JsonSource source = new JsonSource(file.toString());
        try {
            if (!Files.exists(file)) {
                throw new IOException(file + ": missing (a GPT-Neo model folder needs config.json)");
            }
            return parse(source, StrictJson.parse(InputFiles.readText(file, MAX_FILE_BYTES), file.toString()));
        } catch (IOException e) {
            throw new CheckpointException(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        }
    }

    private static GptNeoConfig parse(JsonSource source, JsonElement root) throws IOException {
        JsonObject json = source.object(root, "");
        JsonElement type = json.get("model_type");
        if (type == null || !type.isJsonPrimitive() || !"gpt_neo".equals(type.getAsString())) {
            throw source.expected("model_type", "\"gpt_neo\"", type);
        }
        int hidden = wholeNumber(source, json, "hidden_size", MAX_HIDDEN);
        int layers = wholeNumber(source, json, "num_layers", MAX_LAYERS);
        int intermediate = absent(json, "intermediate_size") ? 4 * hidden : wholeNumber(source, json, "intermediate_size");
        List<Boolean> local = expandAttentionTypes(source, json, layers);
        float eps = absent(json, "layer_norm_epsilon") ? 1e-5f
                : (float) source.number(json.get("layer_norm_epsilon"), "layer_norm_epsilon");
        int vocab = wholeNumber(source, json, "vocab_size");
        // Absent: Hugging Face's default, GPT-2's end of text, where the vocabulary is large enough to have it.
        int eos = absent(json, "eos_token_id") ? Math.min(50256, vocab - 1) : wholeNumber(source, json, "eos_token_id");
        return new GptNeoConfig(vocab, hidden, wholeNumber(source, json, "num_heads"),
                intermediate, wholeNumber(source, json, "max_position_embeddings"),
                wholeNumber(source, json, "window_size"), eps, eos, local);
    }

    /**
     * Expands {@code attention_types}, e.g. {@code [[["global","local"],6]]}, into one flag per
     * layer, and checks it against {@code num_layers} as Hugging Face does. The count is checked
     * before each group is expanded, so a repeat of 10^9 is refused without a billion entries.
     */
    private static List<Boolean> expandAttentionTypes(JsonSource source, JsonObject json, int layers)
            throws IOException {
        JsonArray groups = source.array(json.get("attention_types"), "attention_types");
        List<Boolean> local = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            String field = "attention_types[" + g + "]";
            JsonArray group = source.array(groups.get(g), field, 2);
            JsonArray pattern = source.array(group.get(0), field + "[0]");
            long repeat = source.wholeNumber(group.get(1), field + "[1]", 0, layers);
            if (local.size() + pattern.size() * repeat > layers) {
                throw source.error("attention_types", "expands to more than num_layers (" + layers + ") layers");
            }
            List<Boolean> kinds = new ArrayList<>();
            for (int k = 0; k < pattern.size(); k++) {
                String kind = source.string(pattern.get(k), field + "[0][" + k + "]");
                switch (kind) {
                    case "global" -> kinds.add(false);
                    case "local" -> kinds.add(true);
                    default -> throw source.expected(field + "[0][" + k + "]", "\"global\" or \"local\"",
                            pattern.get(k));
                }
            }
            for (long r = 0; r < repeat; r++) {
                local.addAll(kinds);
            }
        }
        if (local.size() != layers) {
            throw source.error("attention_types", "expands to " + local.size() + " layers but num_layers is " + layers);
        }
        return local;
    }

    /**
     * A required whole-number field from 1 (an id from 0) to {@code max}. The constructor bounds
     * each further; only the two that size what is computed before it (4 × hidden_size, the
     * expansion of attention_types) are bounded here.
     */
    private static int wholeNumber(JsonSource source, JsonObject json, String field, int max) throws IOException {
        return (int) source.wholeNumber(json.get(field), field, field.endsWith("_id") ? 0 : 1, max);
    }

    private static int wholeNumber(JsonSource source, JsonObject json, String field) throws IOException {
        return wholeNumber(source, json, field, Integer.MAX_VALUE);
    }

    /** Hugging Face writes null for a field left to its default. */
    private static boolean absent(JsonObject json, String field) {
        return json.get(field) == null || json.get(field).isJsonNull();
    }

    private static void requireIn(String field, long value, long min, long max) {
        require(value >= min && value <= max, field, "from " + min + " to " + max, value);
    }

    /** A weight matrix of {@code rows} × hidden_size must stay within {@link #MAX_MATRIX_ELEMENTS}. */
    private static void requireMatrix(String field, int rows, int hidden) {
        require((long) rows * hidden <= MAX_MATRIX_ELEMENTS, field,
                "at most " + MAX_MATRIX_ELEMENTS / hidden + " with hidden_size " + hidden
                        + " (a weight matrix of at most " + MAX_MATRIX_ELEMENTS + " elements)", rows);
    }

    private static void require(boolean ok, String field, String expected, Object got) {
        if (!ok) {
            throw new IllegalArgumentException("field \"" + field + "\": expected " + expected + ", got " + got);
        }
    }
}
