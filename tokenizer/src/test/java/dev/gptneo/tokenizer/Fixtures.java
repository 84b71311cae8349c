package dev.gptneo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The shared reference data (../shared/fixtures), found through the {@code gptneo.shared} property. */
final class Fixtures {
    private Fixtures() {
    }

    /** A file or directory under fixtures/; fails the test clearly if it is not there. */
    static Path path(String relative) {
        String shared = System.getProperty("gptneo.shared");
        if (shared == null) {
            fail("system property gptneo.shared is not set (the parent pom sets it to ../shared)");
        }
        Path path = Path.of(shared, "fixtures", relative);
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

    /** The tokenizer of the plain GPT-2 files. */
    static Gpt2Tokenizer gpt2() throws IOException {
        return Gpt2Tokenizer.load(path("gpt2-bpe"));
    }
}
