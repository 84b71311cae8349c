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
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code gptneo generate}: streams a continuation to stdout, or prints one JSON object. */
final class GenerateCommand implements Command {

    static final Set<String> SAMPLING_VALUED = Set.of("--max-new-tokens", "--min-new-tokens", "--temperature",
            "--top-k", "--top-p", "--repetition-penalty", "--seed", "--stop", "--top-logprobs");
    static final Set<String> SAMPLING_FLAGS = Set.of("--greedy", "--sample", "--ignore-eos");
    /** Usage lines of the options {@link #params} reads. */
    static final String SAMPLING_USAGE = """
              --max-new-tokens N    tokens to generate at most (default 64)
              --min-new-tokens N    suppress end-of-text until N tokens exist (default 0)
              --greedy | --sample   argmax (default) or sampling; a sampling option implies --sample
              --temperature T --top-k K --top-p P --repetition-penalty R   (defaults 1.0, 50, 1.0, 1.0)
              --seed S              sampling seed: same seed and options, same output (default 0)
              --stop STR            stop when STR appears (repeatable); STR itself is not printed
              --ignore-eos          keep generating past end-of-text
            """;

    @Override
    public String summary() {
        return "generate text from a prompt, streaming it to stdout";
    }

    @Override
    public String usage() {
        return "usage: gptneo generate --model SPEC (--prompt TEXT | --prompt-ids 1,2,3) [options]\n" + SAMPLING_USAGE
                + "  --json                print {\"ids\": [...], \"text\": \"...\", \"finish_reason\": \"...\"} at the end\n"
                + ModelFlags.USAGE;
    }

    @Override
    public int run(List<String> args, InputStream in, OutputStream out) throws Exception {
        Set<String> valued = new HashSet<>(ModelFlags.VALUED);
        valued.addAll(SAMPLING_VALUED);
        valued.addAll(Set.of("--prompt", "--prompt-ids"));
        Set<String> flags = new HashSet<>(SAMPLING_FLAGS);
        flags.add("--json");
        Options options = Options.parse(args, valued, flags);
        GenerationParams params = params(options);
        boolean json = options.has("--json");
        PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (LoadedModel loaded = ModelFlags.open(options)) {
            int[] prompt = PromptFlags.promptIds(options, loaded.tokenizer());
            Collector collector = new Collector(json ? null : stdout);
            new Generation(loaded, prompt, params, collector).run();
            if (json) {
                stdout.println(collector.json());
            } else {
                stdout.println();
            }
        }
        return 0;
    }

    /** The generation flags as parameters; a sampling option without --greedy implies --sample. */
    static GenerationParams params(Options options) throws UsageException {
        GenerationParams d = GenerationParams.defaults();
        boolean samplingOption = options.get("--temperature", null) != null || options.get("--top-k", null) != null
                || options.get("--top-p", null) != null;
        if (options.has("--greedy") && (options.has("--sample") || samplingOption)) {
            throw new UsageException("--greedy cannot be combined with --sample, --temperature, --top-k or --top-p");
        }
        return GenerationParams.builder()
                .maxNewTokens(options.intValue("--max-new-tokens", d.maxNewTokens()))
                .minNewTokens(options.intValue("--min-new-tokens", d.minNewTokens()))
                .ignoreEos(options.has("--ignore-eos"))
                .stop(options.all("--stop"))
                .sample(options.has("--sample") || samplingOption)
                .temperature(options.doubleValue("--temperature", d.temperature()))
                .topK(options.intValue("--top-k", d.topK()))
                .topP(options.doubleValue("--top-p", d.topP()))
                .repetitionPenalty(options.doubleValue("--repetition-penalty", d.repetitionPenalty()))
                .seed(options.longValue("--seed", d.seed()))
                .topLogprobs(options.intValue("--top-logprobs", d.topLogprobs()))
                .build();
    }

    /** Prints text as it becomes final (when streaming) and keeps what the JSON summary needs. */
    private static final class Collector implements GenerationListener {
        private final PrintStream stream;
        private final JsonArray ids = new JsonArray();
        private final StringBuilder text = new StringBuilder();
        private StopReason reason;

        Collector(PrintStream stream) {
            this.stream = stream;
        }

        @Override
        public void onToken(GeneratedToken token, String textDelta) {
            ids.add(token.id());
            append(textDelta);
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
            return new Gson().toJson(o);
        }
    }
}
