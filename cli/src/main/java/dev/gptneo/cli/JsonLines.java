package dev.gptneo.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * A filter of JSON lines, {@code tokenize}'s and {@code detokenize}'s: one strict JSON object a
 * line on stdin, one answer line on stdout, in order. A bad line stops it with
 * {@code stdin line N: ...} (the lines before it answered); each answer is flushed as soon as no
 * more input is waiting, so that an interactive caller sees it before sending the next line.
 */
final class JsonLines {

    /** A line's answer: its JSON text, without the newline. */
    @FunctionalInterface
    interface Answer {
        /** @throws IllegalArgumentException saying what is wrong with the line's fields */
        String to(JsonObject line);
    }

    private final String shape;
    private final String hint;

    /**
     * @param shape the object a line holds, for the message about a line that is not one: {@code {"text": ...}}
     * @param hint what to do instead, in that message: {@code use --text for plain text}
     */
    JsonLines(String shape, String hint) {
        this.shape = shape;
        this.hint = hint;
    }

    /** Answers every line of {@code in} on {@code out}. */
    void answer(InputStream in, OutputStream out, Answer answer) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        try {
            int lineNo = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                lineNo++;
                JsonObject object = object(line, lineNo);
                try {
                    writer.write(answer.to(object));
                } catch (IllegalArgumentException e) {
                    throw new IOException("stdin line " + lineNo + ": " + e.getMessage(), e);
                }
                writer.write('\n');
                if (!lines.ready()) {
                    writer.flush();
                }
            }
        } finally {
            writer.flush();
        }
    }

    /** The line as one strict JSON object, nothing after it; else a message that names the line and the shape. */
    private JsonObject object(String line, int lineNo) throws IOException {
        try {
            JsonReader reader = new JsonReader(new StringReader(line));
            reader.setStrictness(Strictness.STRICT);
            JsonElement json = JsonParser.parseReader(reader);
            if (reader.peek() == JsonToken.END_DOCUMENT && json.isJsonObject()) {
                return json.getAsJsonObject();
            }
        } catch (JsonParseException | IllegalStateException | IOException e) {
            // not JSON at all: the same answer as for JSON that is not an object
        }
        throw new IOException("stdin line " + lineNo + ": expected a JSON object " + shape + "; " + hint);
    }
}
