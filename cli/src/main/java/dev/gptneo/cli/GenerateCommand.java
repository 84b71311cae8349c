package dev.gptneo.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationListener;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gptneo generate}: streams a continuation to stdout, or prints one JSON object. */
@Command(name = "generate", description = "generate text from a prompt, streaming it to stdout")
final class GenerateCommand extends SubCommand {

    @Mixin
    ModelFlags model;

    @Mixin
    PromptFlags prompt;

    @Mixin
    GenerationFlags generation;

    @Option(names = "--json", description = "print {\"ids\": [...], \"text\": \"...\", \"finish_reason\": \"...\"} at the"
            + " end instead of streaming; with --top-logprobs N also \"tokens\": [{\"id\", \"text\", \"logprob\","
            + " \"top_logprobs\": [{\"id\", \"text\", \"logprob\"}, ...]}, ...]")
    boolean json;

    GenerateCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        GenerationParams params = generation.params();
        PrintStream stdout = new PrintStream(io.out(), true, StandardCharsets.UTF_8);
        try (LoadedModel loaded = model.open()) {
            int[] ids = prompt.promptIds(loaded.tokenizer());
            Collector collector = new Collector(json ? null : stdout, params.topLogprobs() > 0);
            new Generation(loaded, ids, params, collector).run();
            if (json) {
                stdout.println(collector.json());
            } else {
                stdout.println();
            }
        }
        return 0;
    }

    /** Prints text as it becomes final (when streaming) and keeps what the JSON summary needs. */
    private static final class Collector implements GenerationListener {
        private final PrintStream stream;
        private final JsonArray ids = new JsonArray();
        /** Per token, its logprob and alternatives; null unless --top-logprobs asked for them. */
        private final JsonArray tokens;
        private final StringBuilder text = new StringBuilder();
        private StopReason reason;

        Collector(PrintStream stream, boolean logprobs) {
            this.stream = stream;
            this.tokens = logprobs ? new JsonArray() : null;
        }

        @Override
        public void onToken(GeneratedToken token, String textDelta) {
            ids.add(token.id());
            if (tokens != null) {
                JsonObject t = candidate(token.id(), token.text(), token.logprob());
                JsonArray top = new JsonArray();
                token.top().forEach(alt -> top.add(candidate(alt.id(), alt.text(), alt.logprob())));
                t.add("top_logprobs", top);
                tokens.add(t);
            }
            append(textDelta);
        }

        /** As the gRPC API's Token and TopLogprob name the fields. */
        private static JsonObject candidate(int id, String text, float logprob) {
            JsonObject o = new JsonObject();
            o.addProperty("id", id);
            o.addProperty("text", text);
            o.addProperty("logprob", logprob);
            return o;
        }

        @Override
        public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
            append(textDelta);
            this.reason = reason;
        }

        private void append(String delta) {
            text.append(delta);
            if (stream != null && !delta.isEmpty()) {
                stream.print(delta);
                stream.flush();
            }
        }

        String json() {
            JsonObject o = new JsonObject();
            o.add("ids", ids);
            o.addProperty("text", text.toString());
            o.addProperty("finish_reason", reason == StopReason.STOP_SEQUENCE ? "stop"
                    : reason.name().toLowerCase(Locale.ROOT));
            if (tokens != null) {
                o.add("tokens", tokens);
            }
            return new Gson().toJson(o);
        }
    }
}
