package dev.gptneo.cli;

import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.engine.CompletionCollector;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationListener;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.InvalidRequestException;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gptneo generate}: streams a continuation to stdout, or prints one JSON object; with
 * {@code --prompts-file}, one JSON line per prompt of a file, all run batched by the engine.
 */
@Command(name = "generate", description = {"generate text from a prompt, streaming it to stdout",
        "With --prompts-file FILE.jsonl (- for stdin), generates for every line, {\"prompt\": \"...\"} or"
                + " {\"prompt_ids\": [...]}, with optional fields overriding the flags: max_new_tokens, min_new_tokens,"
                + " stop (a string or an array), ignore_eos, temperature (0: greedy; above 0, like top_k and top_p,"
                + " samples), top_k, top_p, repetition_penalty, seed, top_logprobs. Every line is checked first (an"
                + " unknown field too; blank lines are skipped): a bad one stops the run before anything is generated,"
                + " with FILE:LINE. The prompts then run batched on the server's engine (--max-concurrent at once,"
                + " --max-queued more read ahead, --max-batch-tokens rows a step), and each writes one line"
                + " {\"index\", \"ids\", \"text\", \"finish_reason\", \"usage\"} (as --json, with \"tokens\" when"
                + " top_logprobs > 0) in input order, as soon as it and those before it are done. Progress goes to"
                + " stderr when it is a terminal; Ctrl-C stops at once, stdout ending with a whole line."})
final class GenerateCommand extends SubCommand {

    @Mixin
    ModelFlags model;

    @Mixin
    PromptFlags prompt;

    @Option(names = "--prompts-file", paramLabel = "FILE.jsonl",
            description = "one JSON object a line, {\"prompt\": \"...\"} or {\"prompt_ids\": [...]} with optional"
                    + " parameters, - for stdin: one JSON line per prompt on stdout (see above) (default: none)")
    String promptsFile;

    @Mixin
    GenerationFlags generation;

    @Option(names = "--json", description = "print {\"ids\": [...], \"text\": \"...\", \"finish_reason\": \"...\","
            + " \"usage\": {\"prompt_tokens\", \"generated_tokens\"}} at the end instead of streaming, and \"seed\" when"
            + " sampling, \"timings\": {\"time_to_first_token_ms\", \"total_ms\"}; with --top-logprobs N"
            + " also \"tokens\": [{\"id\", \"text\", \"logprob\", \"top_logprobs\": [{\"id\", \"text\", \"logprob\"}, ...]},"
            + " ...]; --prompts-file always writes JSON")
    boolean json;

    @Mixin
    EngineFlags engine;

    @Spec
    CommandSpec spec;

    GenerateCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        GenerationParams params = generation.params();
        PrintStream stdout = new PrintStream(io.out(), true, StandardCharsets.UTF_8);
        if (promptsFile != null) {
            return generateAll(params, stdout);
        }
        try (LoadedModel loaded = model.open()) {
            int[] ids = prompt.promptIds(loaded.tokenizer());
            if (json) {
                CompletionCollector collector = new CompletionCollector();
                new Generation(loaded, ids, params, collector).run();
                stdout.println(CompletionJson.GSON.toJson(CompletionJson.withTimings(collector.result().join(), params)));
            } else {
                new Generation(loaded, ids, params, new TextPrinter(stdout)).run();
                stdout.println();
                if (params.sample() && !generation.seedGiven()) {
                    spec.commandLine().getErr().println("seed " + params.seed() + " (--seed " + params.seed()
                            + " repeats this text)");
                }
            }
        }
        return 0;
    }

    /** --prompts-file: every line checked, then all run through the batching engine. */
    private int generateAll(GenerationParams defaults, PrintStream stdout) throws Exception {
        List<String> single = prompt.given();
        if (!single.isEmpty()) {
            throw new UsageException("--prompts-file cannot be combined with " + String.join(" and ", single));
        }
        engine.check();
        // The flags' own values, whatever a line's prompt: a bad flag is named once, not on every line.
        List<GenerationParams.Violation> broken = defaults.violations(1, Integer.MAX_VALUE);
        if (!broken.isEmpty()) {
            throw new InvalidRequestException(broken);
        }
        try (PromptsFile file = PromptsFile.open(promptsFile, io.in()); LoadedModel loaded = model.open()) {
            PromptLine lines = new PromptLine(loaded, generation);
            int total = file.forEach(lines::read);
            try (GenerationEngine batching = engine.engine(loaded)) {
                return new BatchGeneration(batching, engine.capacity(), stdout, spec.commandLine().getErr(),
                        ProgressLine.stderrIsTerminal()).run(file, lines, total);
            }
        }
    }

    /** Prints the text as it becomes final. */
    private record TextPrinter(PrintStream stream) implements GenerationListener {
        @Override
        public void onToken(GeneratedToken token, String textDelta) {
            print(textDelta);
        }

        @Override
        public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
            print(textDelta);
        }

        private void print(String delta) {
            if (!delta.isEmpty()) {
                stream.print(delta);
                stream.flush();
            }
        }
    }
}
