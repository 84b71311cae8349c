package dev.gptneo.tokenizer.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * JSON exactly as RFC 8259 has it, for files a loader must not guess at: Gson's own parser is
 * lenient by default (unquoted names, single quotes, comments, NaN), keeps the last of two equal
 * keys and ignores what follows the value, so a broken file would load as something else. Here
 * each of those is an error naming the source and where in it.
 */
public final class StrictJson {

    private StrictJson() {
    }

    /**
     * Parses one JSON value, refusing malformed JSON, an empty text, a key twice in one object and
     * anything but whitespace after the value. Nesting is bounded by Gson's reader (255 levels).
     *
     * @param source what the text is (a file, a header), for the message
     * @throws IOException "SOURCE: not valid JSON: REASON at line L column C"
     */
    public static JsonElement parse(String text, String source) throws IOException {
        try {
            JsonReader reader = new UniqueKeyReader(text);
            reader.setStrictness(Strictness.STRICT);
            reader.peek(); // an empty text is no JSON value (Gson would read it as null)
            JsonElement root = JsonParser.parseReader(reader);
            reader.peek(); // strict: anything but whitespace after the value is a syntax error
            return root;
        } catch (JsonParseException | IOException e) {
            throw new IOException(source + ": not valid JSON: " + reason(e), e);
        }
    }

    /**
     * Gson's message in one line, without its advice to parse leniently and its link: "Expected
     * name at line 1 column 5 path $." from a {@link MalformedJsonException}, directly or wrapped.
     */
    private static String reason(Exception e) {
        Throwable cause = e instanceof JsonParseException && e.getCause() != null ? e.getCause() : e;
        // The first line only: a key in Gson's path may itself hold a newline.
        String message = String.valueOf(cause.getMessage()).lines().findFirst().orElse("");
        return message.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "syntax error");
    }

    /** A reader that refuses an object's key seen before in that object. */
    private static final class UniqueKeyReader extends JsonReader {
        private final Deque<Set<String>> keys = new ArrayDeque<>();

        UniqueKeyReader(String text) {
            super(new StringReader(text));
        }

        @Override
        public void beginObject() throws IOException {
            super.beginObject();
            keys.push(new HashSet<>());
        }

        @Override
        public void endObject() throws IOException {
            super.endObject();
            keys.pop();
        }

        @Override
        public String nextName() throws IOException {
            String name = super.nextName();
            if (!keys.peek().add(name)) {
                throw new MalformedJsonException("the key " + JsonSource.quote(name) + " appears twice, at " + getPath());
            }
            return name;
        }
    }
}
