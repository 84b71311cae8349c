package dev.gptneo.tokenizer.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * Typed access to the values of a parsed JSON file whose every error says where and what: Gson's
 * own getters fail with "JsonPrimitive cannot be cast to JsonArray" or "Array must have size 1",
 * and read 64.7 as 64 and 4294967300 as 4. Messages are one line: "SOURCE: field "NAME":
 * expected WHAT, got VALUE".
 *
 * @param name the file (and, for a part of it, which part: "model.safetensors: tensor "wte.weight"")
 */
public record JsonSource(String name) {

    /** Values shown in messages are cut to this many characters. */
    private static final int SHOWN = 60;

    /** The same file, narrowed to a part of it, e.g. {@code tensor "wte.weight"}. */
    public JsonSource in(String part) {
        return new JsonSource(name + ": " + part);
    }

    /** @param field where the value is, as a dotted path; empty for the whole source */
    public JsonObject object(JsonElement value, String field) throws IOException {
        if (value == null || !value.isJsonObject()) {
            throw expected(field, "an object", value);
        }
        return value.getAsJsonObject();
    }

    public JsonArray array(JsonElement value, String field) throws IOException {
        if (value == null || !value.isJsonArray()) {
            throw expected(field, "an array", value);
        }
        return value.getAsJsonArray();
    }

    /** An array of exactly {@code size} elements. */
    public JsonArray array(JsonElement value, String field, int size) throws IOException {
        JsonArray array = array(value, field);
        if (array.size() != size) {
            throw expected(field, "an array of " + size, value);
        }
        return array;
    }

    public String string(JsonElement value, String field) throws IOException {
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw expected(field, "a string", value);
        }
        return value.getAsString();
    }

    public boolean bool(JsonElement value, String field) throws IOException {
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
            throw expected(field, "true or false", value);
        }
        return value.getAsBoolean();
    }

    /** A finite number. */
    public double number(JsonElement value, String field) throws IOException {
        if (value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
            double number = value.getAsDouble();
            if (Double.isFinite(number)) {
                return number;
            }
        }
        throw expected(field, "a number", value);
    }

    /**
     * A whole number from {@code min} to {@code max}, exactly as written: {@code 8}, {@code 8.0}
     * and {@code 8e0} are 8; {@code 64.7}, {@code "64"} and {@code 4294967300} for an int are refused.
     */
    public long wholeNumber(JsonElement value, String field, long min, long max) throws IOException {
        BigDecimal exact = null;
        if (value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
            try {
                // Gson bounds the digits and the exponent it parses, so this cannot run away.
                exact = value.getAsBigDecimal();
            } catch (NumberFormatException e) {
                exact = null;
            }
        }
        if (exact == null || exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0) {
            throw expected(field, "a whole number", value);
        }
        if (exact.compareTo(BigDecimal.valueOf(min)) < 0 || exact.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw expected(field, "a whole number from " + min + " to " + max, value);
        }
        return exact.longValueExact();
    }

    /** "SOURCE: field "FIELD": expected WHAT, got VALUE", or "missing (expected WHAT)" for an absent value. */
    public IOException expected(String field, String what, JsonElement got) {
        return error(field, got == null ? "missing (expected " + what + ")" : "expected " + what + ", got " + shown(got));
    }

    /** "SOURCE: field "FIELD": PROBLEM", or "SOURCE: PROBLEM" for an empty field. */
    public IOException error(String field, String problem) {
        return new IOException(name + ": " + (field.isEmpty() ? "" : "field " + quote(field) + ": ") + problem);
    }

    /** A value as JSON, on one line, cut short when long. */
    public static String shown(JsonElement value) {
        String text = value.toString();
        return text.length() <= SHOWN ? text : text.substring(0, SHOWN) + "…";
    }

    /** {@code text} as a JSON string, quoted and escaped, so a name with a newline stays on one line. */
    public static String quote(String text) {
        String quoted = new JsonPrimitive(text).toString();
        return quoted.length() <= SHOWN ? quoted : quoted.substring(0, SHOWN) + "…\"";
    }
}
