package dev.gptneo.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptneo tokenize}: JSON lines {@code {"text": ...}} on stdin → {@code {"ids": [...]}} lines
 * on stdout; or one text, {@code --text}, to one line. {@link DetokenizeCommand} is its mirror.
 */
@Command(name = "tokenize", description = {"encode {\"text\": ...} JSON lines from stdin to {\"ids\": [...]} lines",
        "Reads one JSON object {\"text\": \"...\"} a line on stdin and writes {\"ids\": [...]} a line on stdout,"
                + " in order; with --text, encodes that text alone."})
final class TokenizeCommand extends SubCommand {

    @Mixin
    TokenizerFlags source;

    @Option(names = "--ordinary", description = "encode <|endoftext|> as plain text, not as the special token")
    boolean ordinary;

    @Option(names = "--text", paramLabel = "STR",
            description = "encode this text and print one {\"ids\": [...]} line, instead of reading stdin (default: none)")
    String text;

    TokenizeCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        Gpt2Tokenizer vocabulary = source.open(io);
        if (text != null) {
            new PrintStream(io.out(), true, StandardCharsets.UTF_8).println(idsJson(encode(vocabulary, text)));
            return 0;
        }
        new JsonLines("{\"text\": ...}", "use --text for plain text").answer(io.in(), io.out(),
                line -> idsJson(encode(vocabulary, textOf(line))));
        return 0;
    }

    private int[] encode(Gpt2Tokenizer vocabulary, String input) {
        return ordinary ? vocabulary.encodeOrdinary(input) : vocabulary.encode(input);
    }

    private static String textOf(JsonObject line) {
        JsonElement text = line.get("text");
        if (text == null || !text.isJsonPrimitive() || !text.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("expected a JSON object with a string \"text\"");
        }
        return text.getAsString();
    }

    private static String idsJson(int[] ids) {
        StringBuilder json = new StringBuilder(16 + 6 * ids.length).append("{\"ids\":[");
        for (int i = 0; i < ids.length; i++) {
            json.append(i == 0 ? "" : ",").append(ids[i]);
        }
        return json.append("]}").toString();
    }
}
