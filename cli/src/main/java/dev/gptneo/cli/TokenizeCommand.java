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
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gptneo tokenize}: JSON lines {@code {"text": ...}} on stdin → {@code {"ids": [...]}} lines on stdout. */
@Command(name = "tokenize", description = {"encode {\"text\": ...} JSON lines from stdin to {\"ids\": [...]} lines",
        "Reads one JSON object {\"text\": \"...\"} a line on stdin and writes {\"ids\": [...]} a line on stdout,"
                + " in order."})
final class TokenizeCommand extends SubCommand {

    @Option(names = "--model", paramLabel = "DIR|ORG/NAME[@REV]",
            description = "the tokenizer of this model folder, or of this Hub model (fetched into the Hugging Face"
                    + " cache when missing) (default: none, see --tokenizer)")
    String model;

    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "vocab.json + merges.txt, or tokenizer.json (default: the model folder's files, else"
                    + " the built-in GPT-2 tokenizer)")
    Path tokenizer;

    @Option(names = "--ordinary", description = "encode <|endoftext|> as plain text, not as the special token")
    boolean ordinary;

    TokenizeCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        Gpt2Tokenizer vocabulary;
        try (DownloadProgressBar progress = HubAccess.progressBar(spec)) {
            vocabulary = LoadedModel.tokenizer(model, tokenizer, HubAccess.downloader(io, progress));
        }
        BufferedReader lines = new BufferedReader(new InputStreamReader(io.in(), StandardCharsets.UTF_8));
        Writer writer = new BufferedWriter(new OutputStreamWriter(io.out(), StandardCharsets.UTF_8));
        try {
            int lineNo = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                lineNo++;
                String text = textOf(line, lineNo);
                writer.write(idsJson(ordinary ? vocabulary.encodeOrdinary(text) : vocabulary.encode(text)));
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
