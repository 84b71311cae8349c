package dev.gptneo.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a tokenizer from a model directory (Hugging Face's {@code vocab.json} + {@code merges.txt}
 * pair, or else a {@code tokenizer.json}) or from the GPT-2 files bundled as resources. Every error
 * names the file (and line or entry) so that a broken checkpoint can be fixed without a debugger.
 */
final class VocabularyLoader {
    static final String END_OF_TEXT = "<|endoftext|>";

    /** GPT-2's vocab.json and merges.txt, gzip-compressed, as resources of this class. */
    static final String GPT2_VOCAB = "gpt2/vocab.json.gz";
    static final String GPT2_MERGES = "gpt2/merges.txt.gz";

    /** A text file to parse: its name for error messages, and how to open it. */
    record Source(String name, Opener opener) {
        interface Opener {
            Reader open() throws IOException;
        }

        static Source file(Path file) {
            return new Source(file.toString(), () -> Files.newBufferedReader(file, StandardCharsets.UTF_8));
        }

        /**
         * A gzip-compressed resource of this class, e.g. {@link #GPT2_VOCAB}. Decompressed whole on
         * opening, so that a damaged resource is reported by name rather than mid-parse.
         */
        static Source gzipResource(String name) {
            String where = "resource " + VocabularyLoader.class.getPackageName().replace('.', '/') + "/" + name;
            return new Source(where, () -> {
                try (InputStream in = VocabularyLoader.class.getResourceAsStream(name)) {
                    if (in == null) {
                        throw new IOException(where + ": missing from the classpath");
                    }
                    return new StringReader(new String(new GZIPInputStream(in).readAllBytes(), StandardCharsets.UTF_8));
                } catch (ZipException | EOFException e) {
                    throw new IOException(where + ": not valid gzip data (" + e.getMessage() + ")", e);
                }
            });
        }

        Reader open() throws IOException {
            return opener.open();
        }
    }

    private final Source file;
    private final Map<String, Integer> ids;
    private final List<Vocabulary.Merge> merges = new ArrayList<>();

    private VocabularyLoader(Source file, Map<String, Integer> ids) {
        this.file = file;
        this.ids = ids;
    }

    /** Whether {@code dir} holds any tokenizer file (complete or not: {@link #load} says what is wrong). */
    static boolean hasTokenizerFiles(Path dir) {
        return Files.exists(dir.resolve("vocab.json")) || Files.exists(dir.resolve("merges.txt"))
                || Files.exists(dir.resolve("tokenizer.json"));
    }

    /** Loads the tokenizer files of {@code modelDir}. */
    static Vocabulary load(Path modelDir) throws IOException {
        Path vocab = modelDir.resolve("vocab.json");
        Path mergesTxt = modelDir.resolve("merges.txt");
        Path tokenizerJson = modelDir.resolve("tokenizer.json");
        if (Files.isRegularFile(vocab) && Files.isRegularFile(mergesTxt)) {
            return fromVocabAndMerges(Source.file(vocab), Source.file(mergesTxt));
        }
        if (Files.isRegularFile(tokenizerJson)) {
            return fromTokenizerJson(Source.file(tokenizerJson));
        }
        throw new IOException(modelDir + ": no tokenizer files (need vocab.json and merges.txt, or tokenizer.json)");
    }

    /** Loads GPT-2's vocabulary from this module's resources. */
    static Vocabulary gpt2() throws IOException {
        return fromVocabAndMerges(Source.gzipResource(GPT2_VOCAB), Source.gzipResource(GPT2_MERGES));
    }

    private static Vocabulary fromVocabAndMerges(Source vocabFile, Source mergesFile) throws IOException {
        VocabularyLoader vocab = new VocabularyLoader(vocabFile, new HashMap<>());
        vocab.addTokens(vocab.object(vocab.parseJson(), "the top level"), "");
        VocabularyLoader merges = new VocabularyLoader(mergesFile, vocab.ids);
        try (BufferedReader in = new BufferedReader(mergesFile.open())) {
            int lineNo = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNo++;
                // The "#version: 0.2" header; blank lines (a trailing newline) carry no rule.
                if (line.isEmpty() || lineNo == 1 && line.startsWith("#version")) {
                    continue;
                }
                String[] pair = line.split(" ", -1);
                String where = "line " + lineNo;
                if (pair.length != 2) {
                    throw merges.error(where, "expected two tokens separated by one space, got \"" + line + "\"");
                }
                merges.addMerge(pair[0], pair[1], where);
            }
        }
        return vocab.finish(merges.merges, List.of(END_OF_TEXT));
    }

    private static Vocabulary fromTokenizerJson(Source file) throws IOException {
        VocabularyLoader loader = new VocabularyLoader(file, new HashMap<>());
        JsonObject root = loader.object(loader.parseJson(), "the top level");
        JsonObject model = loader.object(root.get("model"), "model");
        loader.addTokens(loader.object(model.get("vocab"), "model.vocab"), "model.vocab.");
        List<String> special = new ArrayList<>();
        JsonArray added = root.has("added_tokens") ? loader.array(root.get("added_tokens"), "added_tokens") : new JsonArray();
        for (int i = 0; i < added.size(); i++) {
            JsonObject token = loader.object(added.get(i), "added_tokens[" + i + "]");
            String content = loader.string(token.get("content"), "added_tokens[" + i + "].content");
            loader.addToken(content, token.get("id"), "added_tokens[" + i + "].id");
            if (token.has("special") && token.get("special").getAsBoolean()) {
                special.add(content);
            }
        }
        JsonArray merges = loader.array(model.get("merges"), "model.merges");
        for (int i = 0; i < merges.size(); i++) {
            String where = "model.merges[" + i + "]";
            JsonElement merge = merges.get(i);
            if (merge.isJsonArray() && merge.getAsJsonArray().size() == 2) {
                JsonArray pair = merge.getAsJsonArray();
                loader.addMerge(loader.string(pair.get(0), where), loader.string(pair.get(1), where), where);
            } else {
                String[] pair = loader.string(merge, where).split(" ", -1);
                if (pair.length != 2) {
                    throw loader.error(where, "expected \"left right\" or [\"left\", \"right\"]");
                }
                loader.addMerge(pair[0], pair[1], where);
            }
        }
        return loader.finish(loader.merges, special);
    }

    private JsonElement parseJson() throws IOException {
        try (Reader in = file.open()) {
            JsonReader reader = new JsonReader(in);
            reader.setStrictness(Strictness.STRICT);
            JsonElement root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw error("", "text after the JSON value");
            }
            return root;
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(file.name() + ": invalid JSON: " + e.getMessage(), e);
        }
    }

    private void addTokens(JsonObject vocab, String path) throws IOException {
        for (Map.Entry<String, JsonElement> entry : vocab.entrySet()) {
            addToken(entry.getKey(), entry.getValue(), path + entry.getKey());
        }
    }

    private void addToken(String token, JsonElement id, String where) throws IOException {
        if (id == null || !id.isJsonPrimitive() || !id.getAsJsonPrimitive().isNumber()
                || id.getAsDouble() != id.getAsInt() || id.getAsInt() < 0) {
            throw error(where, "id must be a non-negative integer, got " + id);
        }
        Integer previous = ids.putIfAbsent(token, id.getAsInt());
        if (previous != null && previous != id.getAsInt()) {
            throw error(where, "token has two ids, " + previous + " and " + id);
        }
    }

    /**
     * Lays the tokens out by id and works out their bytes. The ids must be exactly 0..n-1 because
     * models index their embeddings by them.
     */
    private Vocabulary finish(List<Vocabulary.Merge> mergeRules, List<String> special) throws IOException {
        if (!ids.containsKey(END_OF_TEXT)) {
            throw error("", "the vocabulary has no " + END_OF_TEXT + " token");
        }
        String[] tokens = new String[ids.size()];
        for (Map.Entry<String, Integer> entry : ids.entrySet()) {
            int id = entry.getValue();
            if (id >= tokens.length || tokens[id] != null) {
                throw error("", "token ids are not exactly 0.." + (tokens.length - 1) + " (id " + id + ")");
            }
            tokens[id] = entry.getKey();
        }
        int[] specialIds = special.stream().mapToInt(ids::get).toArray();
        byte[][] bytes = new byte[tokens.length][];
        for (int id = 0; id < tokens.length; id++) {
            // Special tokens are stored as the plain text they stand for, not in the byte alphabet.
            bytes[id] = special.contains(tokens[id])
                    ? tokens[id].getBytes(StandardCharsets.UTF_8) : ByteLevel.toBytes(tokens[id]);
            if (bytes[id] == null) {
                throw error("", "token \"" + tokens[id] + "\" has a character outside GPT-2's byte alphabet");
            }
        }
        return new Vocabulary(tokens, bytes, mergeRules, specialIds);
    }

    private void addMerge(String left, String right, String where) throws IOException {
        merges.add(new Vocabulary.Merge(idOf(left, where), idOf(right, where), idOf(left + right, where)));
    }

    private int idOf(String token, String where) throws IOException {
        Integer id = ids.get(token);
        if (id == null) {
            throw error(where, "token \"" + token + "\" is not in the vocabulary");
        }
        return id;
    }

    private JsonObject object(JsonElement element, String where) throws IOException {
        if (element == null || !element.isJsonObject()) {
            throw error(where, "expected a JSON object");
        }
        return element.getAsJsonObject();
    }

    private JsonArray array(JsonElement element, String where) throws IOException {
        if (element == null || !element.isJsonArray()) {
            throw error(where, "expected a JSON array");
        }
        return element.getAsJsonArray();
    }

    private String string(JsonElement element, String where) throws IOException {
        if (element == null || !element.isJsonPrimitive() || !element.getAsJsonPrimitive().isString()) {
            throw error(where, "expected a string");
        }
        return element.getAsString();
    }

    private IOException error(String where, String message) {
        return new IOException(file.name() + (where.isEmpty() ? "" : " " + where) + ": " + message);
    }
}
