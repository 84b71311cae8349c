package dev.gptneo.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
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
import java.util.List;
import java.util.Set;

/** {@code gptneo tokenize}: JSON lines {@code {"text": ...}} on stdin → {@code {"ids": [...]}} lines on stdout. */
final class TokenizeCommand implements Command {

    @Override
    public String summary() {
        return "encode {\"text\": ...} JSON lines from stdin to {\"ids\": [...]} lines";
    }

    @Override
    public String usage() {
        return """
                usage: gptneo tokenize [--model DIR | --tokenizer DIR] [--ordinary]
                  Reads one JSON object {"text": "..."} a line on stdin and writes {"ids": [...]}
                  a line on stdout, in order.
                  --model DIR       the tokenizer of this model (see --tokenizer)
                  --tokenizer DIR   vocab.json + merges.txt, or tokenizer.json (default: the model
                                    folder's files, else the built-in GPT-2 tokenizer)
                  --ordinary        encode <|endoftext|> as plain text, not as the special token
                """;
    }

    @Override
    public int run(List<String> args, InputStream in, OutputStream out) throws Exception {
        Options options = Options.parse(args, Set.of("--model", "--tokenizer"), Set.of("--ordinary"));
        Gpt2Tokenizer tokenizer = LoadedModel.tokenizer(options.get("--model", null), ModelFlags.tokenizerDir(options));
        boolean ordinary = options.has("--ordinary");
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        try {
            int lineNo = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                lineNo++;
                String text = textOf(line, lineNo);
                writer.write(idsJson(ordinary ? tokenizer.encodeOrdinary(text) : tokenizer.encode(text)));
                if (!lines.ready()) {
                    writer.flush(); // an interactive caller sees each answer before sending the next line
                }
            }
        } finally {
            writer.flush();
        }
        return 0;
    }

    private static String textOf(String line, int lineNo) throws IOException {
        JsonElement text = null;
        String why = "";
        try {
            JsonReader reader = new JsonReader(new StringReader(line));
            reader.setStrictness(Strictness.STRICT);
            JsonElement json = JsonParser.parseReader(reader);
            if (reader.peek() == JsonToken.END_DOCUMENT && json.isJsonObject()) {
                text = json.getAsJsonObject().get("text");
            }
        } catch (JsonParseException | IllegalStateException | IOException e) {
            why = " (" + e.getMessage() + ")";
        }
        if (text == null || !text.isJsonPrimitive() || !text.getAsJsonPrimitive().isString()) {
            throw new IOException("stdin line " + lineNo + ": expected a JSON object with a string \"text\"" + why);
        }
        return text.getAsString();
    }

    private static String idsJson(int[] ids) {
        StringBuilder json = new StringBuilder(16 + 6 * ids.length).append("{\"ids\":[");
        for (int i = 0; i < ids.length; i++) {
            json.append(i == 0 ? "" : ",").append(ids[i]);
        }
        return json.append("]}\n").toString();
    }
}
