package dev.gptneo.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.gptneo.tokenizer.io.InputFiles;
import dev.gptneo.tokenizer.io.JsonSource;
import dev.gptneo.tokenizer.io.StrictJson;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
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

    /**
     * The most bytes read from one tokenizer file: far above the largest real ones (a 256,000-token
     * tokenizer.json is about 35 MB), so that a huge file is refused rather than exhausting memory.
     */
    static final long MAX_FILE_BYTES = 256L << 20;

    /** A text file to parse: its name for error messages, and how to read it. */
    record Source(String name, Opener opener) {
        interface Opener {
            String read() throws IOException;
        }

        /** A file of a model folder: a regular file, within {@link #MAX_FILE_BYTES}, strict UTF-8. */
        static Source file(Path file) {
            return new Source(file.toString(), () -> InputFiles.readText(file, MAX_FILE_BYTES));
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
                    return new String(new GZIPInputStream(in).readAllBytes(), StandardCharsets.UTF_8);
                } catch (ZipException | EOFException e) {
                    throw new IOException(where + ": not valid gzip data (" + e.getMessage() + ")", e);
                }
            });
        }

        String read() throws IOException {
            return opener.read();
        }
    }

    private final Source file;
    /** The same file's JSON values, whose errors name it and the field. */
    private final JsonSource json;
    private final Map<String, Integer> ids;
    private final List<Vocabulary.Merge> merges = new ArrayList<>();

    private VocabularyLoader(Source file, Map<String, Integer> ids) {
        this.file = file;
        this.json = new JsonSource(file.name());
        this.ids = ids;
    }

    /** Whether {@code dir} holds any tokenizer file (complete or not: {@link #load} says what is wrong). */
    static boolean hasTokenizerFiles(Path dir) {
        return Files.exists(dir.resolve("vocab.json")) || Files.exists(dir.resolve("merges.txt"))
                || Files.exists(dir.resolve("tokenizer.json"));
    }

    /**
     * Loads the tokenizer files of {@code modelDir}. A file is chosen by its name alone, so that
     * one that is there but cannot be read (a FIFO, a folder) is reported, not passed over.
     */
    static Vocabulary load(Path modelDir) throws IOException {
        Path vocab = modelDir.resolve("vocab.json");
        Path mergesTxt = modelDir.resolve("merges.txt");
        Path tokenizerJson = modelDir.resolve("tokenizer.json");
        if (Files.exists(vocab) && Files.exists(mergesTxt)) {
            return fromVocabAndMerges(Source.file(vocab), Source.file(mergesTxt));
        }
        if (Files.exists(tokenizerJson)) {
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
        vocab.addTokens(vocab.json.object(vocab.parseJson(), ""), "");
        VocabularyLoader merges = new VocabularyLoader(mergesFile, vocab.ids);
        List<String> lines = mergesFile.read().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            // The "#version: 0.2" header; blank lines (a trailing newline) carry no rule.
            if (line.isEmpty() || i == 0 && line.startsWith("#version")) {
                continue;
            }
            String[] pair = line.split(" ", -1);
            String where = "line " + (i + 1);
            if (pair.length != 2) {
                throw merges.error(where, "expected two tokens separated by one space, got "
                        + JsonSource.quote(line));
            }
            merges.addMerge(pair[0], pair[1], where);
        }
        return vocab.finish(merges.merges, List.of(END_OF_TEXT));
    }

    private static Vocabulary fromTokenizerJson(Source file) throws IOException {
        VocabularyLoader loader = new VocabularyLoader(file, new HashMap<>());
        JsonSource json = loader.json;
        JsonObject root = json.object(loader.parseJson(), "");
        JsonObject model = json.object(root.get("model"), "model");
        loader.addTokens(json.object(model.get("vocab"), "model.vocab"), "model.vocab.");
        List<String> special = new ArrayList<>();
        JsonArray added = root.has("added_tokens") ? json.array(root.get("added_tokens"), "added_tokens") : new JsonArray();
        for (int i = 0; i < added.size(); i++) {
            String where = "added_tokens[" + i + "]";
            JsonObject token = json.object(added.get(i), where);
            String content = json.string(token.get("content"), where + ".content");
            loader.addToken(content, token.get("id"), where + ".id");
            if (token.has("special") && json.bool(token.get("special"), where + ".special")) {
                special.add(content);
            }
        }
        JsonArray merges = json.array(model.get("merges"), "model.merges");
        for (int i = 0; i < merges.size(); i++) {
            String where = "model.merges[" + i + "]";
            JsonElement merge = merges.get(i);
            if (merge.isJsonArray()) {
                JsonArray pair = json.array(merge, where, 2);
                loader.addMerge(json.string(pair.get(0), where + "[0]"), json.string(pair.get(1), where + "[1]"), where);
            } else {
                String[] pair = json.string(merge, where).split(" ", -1);
                if (pair.length != 2) {
                    throw json.expected(where, "\"left right\" or [\"left\", \"right\"]", merge);
                }
                loader.addMerge(pair[0], pair[1], where);
            }
        }
        return loader.finish(loader.merges, special);
    }

    private JsonElement parseJson() throws IOException {
        return StrictJson.parse(file.read(), file.name());
    }

    private void addTokens(JsonObject vocab, String path) throws IOException {
        for (Map.Entry<String, JsonElement> entry : vocab.entrySet()) {
            addToken(entry.getKey(), entry.getValue(), path + entry.getKey());
        }
    }

    private void addToken(String token, JsonElement id, String where) throws IOException {
        int value = (int) json.wholeNumber(id, where, 0, Integer.MAX_VALUE);
        Integer previous = ids.putIfAbsent(token, value);
        if (previous != null && previous != value) {
            throw json.error(where, "token has two ids, " + previous + " and " + value);
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
                throw error("", "token " + JsonSource.quote(tokens[id]) + " has a character outside GPT-2's byte alphabet");
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
            throw error(where, "token " + JsonSource.quote(token) + " is not in the vocabulary");
        }
        return id;
    }

    private IOException error(String where, String message) {
        return new IOException(file.name() + (where.isEmpty() ? "" : " " + where) + ": " + message);
    }
}
