package dev.gptneo.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptneo detokenize}: {@code tokenize}'s mirror. JSON lines {@code {"ids": [...]}} on stdin →
 * {@code {"text": ...}} lines on stdout, or one list, {@code --ids 1,2,3}, to one line. Bytes that
 * do not end a UTF-8 character become U+FFFD, as Hugging Face's {@code decode} gives them.
 */
@Command(name = "detokenize", description = {"decode {\"ids\": [...]} JSON lines from stdin to {\"text\": ...} lines",
        "Reads one JSON object {\"ids\": [...]} a line on stdin and writes {\"text\": \"...\"} a line on stdout,"
                + " in order; with --ids, decodes that list alone."})
final class DetokenizeCommand extends SubCommand {

    @Mixin
    TokenizerFlags source;

    @Option(names = "--ids", paramLabel = "1,2,3",
            description = "decode these comma-separated token ids and print one {\"text\": ...} line, instead of"
                    + " reading stdin (default: none)")
    String ids;

    DetokenizeCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        Gpt2Tokenizer vocabulary = source.open(io);
        if (ids != null) {
            int[] list = PromptFlags.parseIds("--ids", ids);
            String text;
            try {
                text = vocabulary.decode(list);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--ids: " + e.getMessage(), e);
            }
            new PrintStream(io.out(), true, StandardCharsets.UTF_8).println(textJson(text));
            return 0;
        }
        new JsonLines("{\"ids\": [...]}", "use --ids 1,2,3 for a plain list").answer(io.in(), io.out(),
                line -> textJson(vocabulary.decode(idsOf(line))));
        return 0;
    }

    private static int[] idsOf(JsonObject line) {
        JsonElement ids = line.get("ids");
        if (ids == null || !ids.isJsonArray()) {
            throw new IllegalArgumentException("expected a JSON object with an array \"ids\"");
        }
        JsonArray array = ids.getAsJsonArray();
        int[] list = new int[array.size()];
        for (int i = 0; i < list.length; i++) {
            list[i] = id(array.get(i), i);
        }
        return list;
    }

    /** An exact whole number that fits an int: 1.5 or 1e10 is refused, not truncated. */
    private static int id(JsonElement element, int index) {
        if (element.isJsonPrimitive() && element.getAsJsonPrimitive().isNumber()) {
            JsonPrimitive number = element.getAsJsonPrimitive();
            try {
                return number.getAsBigDecimal().intValueExact();
            } catch (ArithmeticException e) {
                // not whole, or too large: refused below
            }
        }
        throw new IllegalArgumentException("\"ids\"[" + index + "]: expected a token id (a whole number), got " + element);
    }

    private static String textJson(String text) {
        JsonObject json = new JsonObject();
        json.addProperty("text", text);
        return CompletionJson.GSON.toJson(json);
    }
}
