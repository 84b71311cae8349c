package dev.gptneo.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loading Hugging Face's tokenizer.json, in both ways it writes merges, gives the GPT-2 tokenizer. */
class TokenizerJsonTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void tokenizerJsonEncodesEveryCase(boolean mergesAsPairs, @TempDir Path dir) throws IOException {
        JsonObject vocab = JsonParser.parseString(builtinText(VocabularyLoader.GPT2_VOCAB)).getAsJsonObject();
        List<String> lines = builtinText(VocabularyLoader.GPT2_MERGES).lines().toList();
        JsonArray merges = new JsonArray();
        for (String line : lines.subList(1, lines.size())) {
            if (mergesAsPairs) {
                JsonArray pair = new JsonArray();
                for (String token : line.split(" ")) {
                    pair.add(token);
                }
                merges.add(pair);
            } else {
                merges.add(line);
            }
        }
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("vocab", vocab);
        model.add("merges", merges);
        JsonObject endOfText = new JsonObject();
        endOfText.addProperty("id", 50256);
        endOfText.addProperty("content", "<|endoftext|>");
        endOfText.addProperty("special", true);
        JsonArray added = new JsonArray();
        added.add(endOfText);
        JsonObject root = new JsonObject();
        root.add("added_tokens", added);
        root.add("model", model);
        Files.writeString(dir.resolve("tokenizer.json"), root.toString());

        EncodeCasesTest.assertCasesMatch(Gpt2Tokenizer.load(dir));
    }

    private static String builtinText(String resource) throws IOException {
        return new String(Fixtures.builtinFile(resource), StandardCharsets.UTF_8);
    }
}
