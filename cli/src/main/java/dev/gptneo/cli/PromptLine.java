package dev.gptneo.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationParams;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads one line of a prompts file into a request, checked against the model: a JSON object with
 * {@code "prompt"} (text, tokenized as {@code --prompt} is) or {@code "prompt_ids"}, and optional
 * parameters named as the gRPC API's fields (StoppingCriteria, SamplingParams,
 * GenerateRequest.top_logprobs), flat, as vLLM's SamplingParams are: {@code max_new_tokens},
 * {@code min_new_tokens}, {@code stop} (a string or an array of them), {@code ignore_eos},
 * {@code temperature}, {@code top_k}, {@code top_p}, {@code repetition_penalty}, {@code seed},
 * {@code top_logprobs}. The command's flags give the defaults; a line's field overrides its flag.
 * As in the API (and vLLM), temperature 0 means greedy; a temperature above 0, top_k or top_p
 * makes the line sample, as those flags imply {@code --sample}.
 *
 * <p>Strict, as the server is with requests and protobuf's JSON parser is unless told to ignore
 * unknown fields: an unknown or repeated field is an error naming it, for a misspelt parameter
 * ({@code max_tokens}) silently ignored would run the whole file with the wrong setting. As in
 * protobuf's JSON mapping, {@code null} means the field is absent.
 */
final class PromptLine {

    static final List<String> FIELDS = List.of("prompt", "prompt_ids", "max_new_tokens", "min_new_tokens", "stop",
            "ignore_eos", "temperature", "top_k", "top_p", "repetition_penalty", "seed", "top_logprobs");

    private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);
    /** Gson's "Unterminated string at line 1 column 14 path $.prompt": the reason, and the column. */
    private static final Pattern GSON_ERROR = Pattern.compile("(.*?) at line \\d+ column (\\d+)", Pattern.DOTALL);

    /** A line ready for the engine. */
    record Request(int[] promptIds, GenerationParams params) {
    }

    /** What is wrong with a line, without where it is. */
    private static final class InvalidLine extends Exception {
        InvalidLine(String message) {
            super(message);
        }
    }

    private final LoadedModel model;
    private final GenerationFlags defaults;

    PromptLine(LoadedModel model, GenerationFlags defaults) {
        this.model = model;
        this.defaults = defaults;
    }

    /** @throws IOException {@code FILE:LINE: what is wrong}, naming the field */
    Request read(PromptsFile.Line line) throws IOException {
        try {
            return request(fields(line.text()));
        } catch (InvalidLine e) {
            throw new IOException(line.where() + ": " + e.getMessage());
        }
    }

    private Request request(Map<String, JsonElement> fields) throws InvalidLine {
        GenerationParams.Builder params = defaults.builder();
        String text = null;
        int[] ids = null;
        boolean samplingField = false;
        boolean greedy = false;
        for (Map.Entry<String, JsonElement> field : fields.entrySet()) {
            String name = field.getKey();
            JsonElement value = field.getValue();
            if (value.isJsonNull()) {
                continue;
            }
            switch (name) {
                case "prompt" -> text = string(name, value);
                case "prompt_ids" -> ids = ids(name, value);
                case "max_new_tokens" -> params.maxNewTokens(integer(name, value));
                case "min_new_tokens" -> params.minNewTokens(integer(name, value));
                case "stop" -> params.stop(strings(name, value));
                case "ignore_eos" -> params.ignoreEos(bool(name, value));
                case "temperature" -> {
                    double t = number(name, value);
                    if (t < 0) {
                        throw new InvalidLine("temperature must be >= 0 (0 means greedy), got " + value);
                    }
                    greedy = t == 0;
                    if (t > 0) {
                        params.temperature(t);
                        samplingField = true;
                    }
                }
                case "top_k" -> {
                    params.topK(integer(name, value));
                    samplingField = true;
                }
                case "top_p" -> {
                    params.topP(number(name, value));
                    samplingField = true;
                }
                case "repetition_penalty" -> params.repetitionPenalty(number(name, value));
                case "seed" -> params.seed(longInteger(name, value));
                case "top_logprobs" -> params.topLogprobs(integer(name, value));
            }
        }
        if ((text == null) == (ids == null)) {
            throw new InvalidLine("give exactly one of \"prompt\" and \"prompt_ids\"");
        }
        int[] promptIds = text != null ? model.tokenizer().encode(text) : ids;
        GenerationParams built = params.sample(!greedy && (samplingField || defaults.sampling())).build();
        List<GenerationParams.Violation> broken = Generation.violations(model.model(), promptIds, built);
        if (!broken.isEmpty()) {
            throw new InvalidLine(broken.stream().map(Object::toString).collect(Collectors.joining("; ")));
        }
        return new Request(promptIds, built);
    }

    /** The line's one JSON object, field by field: unknown and repeated fields are refused here. */
    private static Map<String, JsonElement> fields(String line) throws InvalidLine {
        Map<String, JsonElement> fields = new LinkedHashMap<>();
        JsonReader reader = new JsonReader(new StringReader(line));
        reader.setStrictness(Strictness.STRICT);
        try {
            if (reader.peek() != JsonToken.BEGIN_OBJECT) {
                throw new InvalidLine("expected a JSON object, {\"prompt\": ...} or {\"prompt_ids\": [...]}, got "
                        + JSON.read(reader));
            }
            reader.beginObject();
            while (reader.hasNext()) {
                String name = reader.nextName();
                if (!FIELDS.contains(name)) {
                    throw new InvalidLine("unknown field \"" + name + "\" (the fields are " + String.join(", ", FIELDS)
                            + ")");
                }
                if (fields.put(name, JSON.read(reader)) != null) {
                    throw new InvalidLine("field \"" + name + "\" appears twice");
                }
            }
            reader.endObject();
            reader.peek(); // strict: anything after the object is malformed
        } catch (IOException e) {
            throw new InvalidLine(notJson(e));
        }
        return fields;
    }

    /** "not valid JSON: unterminated string at column 14", without Gson's advice on leniency. */
    private static String notJson(IOException e) {
        Matcher m = GSON_ERROR.matcher(String.valueOf(e.getMessage()));
        if (!m.lookingAt()) {
            return "not valid JSON";
        }
        String reason = m.group(1).startsWith("Use JsonReader") ? "" : ": " + m.group(1).toLowerCase(Locale.ROOT);
        return "not valid JSON" + reason + " at column " + m.group(2);
    }

    private static String string(String name, JsonElement value) throws InvalidLine {
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return value.getAsString();
        }
        throw new InvalidLine(name + " must be a string, got " + value);
    }

    private static boolean bool(String name, JsonElement value) throws InvalidLine {
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean()) {
            return value.getAsBoolean();
        }
        throw new InvalidLine(name + " must be true or false, got " + value);
    }

    private static double number(String name, JsonElement value) throws InvalidLine {
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
            return value.getAsDouble();
        }
        throw new InvalidLine(name + " must be a number, got " + value);
    }

    private static int integer(String name, JsonElement value) throws InvalidLine {
        try {
            return integral(name, value).intValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidLine(name + " must be a 32-bit integer, got " + value);
        }
    }

    private static long longInteger(String name, JsonElement value) throws InvalidLine {
        try {
            return integral(name, value).longValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidLine(name + " must be a 64-bit integer, got " + value);
        }
    }

    /** A whole number, exactly as written (1e3 and 8.0 are whole; 2.5 is not). */
    private static BigDecimal integral(String name, JsonElement value) throws InvalidLine {
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
            BigDecimal n = value.getAsBigDecimal();
            if (n.stripTrailingZeros().scale() <= 0) {
                return n;
            }
        }
        throw new InvalidLine(name + " must be an integer, got " + value);
    }

    private static List<String> strings(String name, JsonElement value) throws InvalidLine {
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return List.of(value.getAsString());
        }
        if (!value.isJsonArray()) {
            throw new InvalidLine(name + " must be a string or an array of strings, got " + value);
        }
        List<String> strings = new ArrayList<>();
        JsonArray array = value.getAsJsonArray();
        for (int i = 0; i < array.size(); i++) {
            strings.add(string(name + "[" + i + "]", array.get(i)));
        }
        return strings;
    }

    private static int[] ids(String name, JsonElement value) throws InvalidLine {
        if (!value.isJsonArray()) {
            throw new InvalidLine(name + " must be an array of token ids, got " + value);
        }
        JsonArray array = value.getAsJsonArray();
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = integer(name + "[" + i + "]", array.get(i));
        }
        return ids;
    }
}
