package dev.gptneo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The project's reference data (testdata/), found through the {@code gptneo.testdata} property. */
final class Fixtures {
    private Fixtures() {
    }

    /** A file or directory under testdata/; fails the test clearly if it is not there. */
    static Path path(String relative) {
        String testdata = System.getProperty("gptneo.testdata");
        if (testdata == null) {
            fail("system property gptneo.testdata is not set (the parent pom sets it to the project's testdata/)");
        }
        Path path = Path.of(testdata, relative);
        assertTrue(Files.exists(path), "missing fixture " + path);
        return path;
    }

    /** The objects of a JSON-lines fixture. */
    static List<JsonObject> jsonLines(String relative) throws IOException {
        return Files.readAllLines(path(relative)).stream()
                .filter(line -> !line.isBlank())
                .map(line -> JsonParser.parseString(line).getAsJsonObject())
                .toList();
    }

    /** A JSON array of numbers as ints. */
    static int[] ints(JsonObject object, String member) {
        return object.getAsJsonArray(member).asList().stream().mapToInt(e -> e.getAsInt()).toArray();
    }

    /** The built-in GPT-2 tokenizer. */
    static Gpt2Tokenizer gpt2() {
        return Gpt2Tokenizer.gpt2();
    }

    /** A bundled vocabulary file, decompressed: {@link VocabularyLoader#GPT2_VOCAB} or {@code GPT2_MERGES}. */
    static byte[] builtinFile(String resource) throws IOException {
        try (InputStream in = VocabularyLoader.class.getResourceAsStream(resource)) {
            assertTrue(in != null, "missing resource " + resource);
            return new GZIPInputStream(in).readAllBytes();
        }
    }

    /** Writes the bundled vocab.json and merges.txt into {@code dir}, as a model folder holds them. */
    static Path writeBuiltinFiles(Path dir) throws IOException {
        Files.write(dir.resolve("vocab.json"), builtinFile(VocabularyLoader.GPT2_VOCAB));
        Files.write(dir.resolve("merges.txt"), builtinFile(VocabularyLoader.GPT2_MERGES));
        return dir;
    }
}
