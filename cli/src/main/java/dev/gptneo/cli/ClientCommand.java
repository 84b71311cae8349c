package dev.gptneo.cli;

import dev.gptneo.client.GenerationRequest;
import dev.gptneo.client.GptNeoClient;
import dev.gptneo.client.TokenStream;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.proto.v1.GenerateResponse;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gptneo client}: talks to a remote server: {@code generate}, and {@code health} ({@link ClientHealth}). */
@Command(name = "client", description = "generate on a remote gptneo server (client generate --target HOST:PORT ...),"
        + " or ask its health (client health --target HOST:PORT)")
final class ClientCommand implements Callable<Integer> {

    @Mixin
    Main.HelpFlag help;

    @Override
    public Integer call() throws UsageException {
        throw new UsageException("a client sub-command is needed: 'generate' or 'health'");
    }

    /**
     * {@code gptneo client generate}: the same generation flags as {@code gptneo generate}, run by
     * a remote server, with the text streamed to stdout as it arrives.
     */
    @Command(name = "generate", description = "generate on a remote server, streaming the text to stdout")
    static final class Generate extends SubCommand {

        @Mixin
        ConnectionFlags connection;

        @Mixin
        PromptFlags prompt;

        @Mixin
        GenerationFlags generation;

        @Option(names = "--json", description = "print generate --json's object at the end instead of streaming:"
                + " \"ids\", \"text\", \"finish_reason\", \"usage\", \"timings\", \"seed\" when sampling (the"
                + " server's), \"tokens\" with --top-logprobs N")
        boolean json;

        @Spec
        CommandSpec spec;

        Generate(Main.Streams io) {
            super(io);
        }

        @Override
        public Integer call() throws Exception {
            GenerationRequest request = request();
            PrintStream stdout = new PrintStream(io.out(), true, StandardCharsets.UTF_8);
            StreamedCompletion streamed = new StreamedCompletion();
            try (GptNeoClient client = connection.clients().get().build(); TokenStream tokens = client.generate(request)) {
                while (tokens.hasNext()) {
                    GenerateResponse message = tokens.next();
                    streamed.add(message);
                    if (!json) {
                        stdout.print(message.getTextDelta());
                    }
                }
            } catch (RuntimeException e) {
                throw ConnectionFailure.of(connection.target, e);
            }
            GenerateResponse last = streamed.last();
            boolean sampled = last != null && last.hasSeed();
            if (json) {
                // The server's seed, drawn there when --seed was not given: the one that repeats the text.
                GenerationParams ran = generation.builder().sample(sampled).seed(sampled ? last.getSeed() : 0).build();
                stdout.println(CompletionJson.GSON.toJson(CompletionJson.withTimings(streamed.completion(), ran)));
                return 0;
            }
            stdout.println();
            if (sampled && !generation.seedGiven()) {
                String seed = Long.toUnsignedString(last.getSeed());
                spec.commandLine().getErr().println("seed " + seed + " (--seed " + seed + " repeats this text)");
            }
            return 0;
        }

        /** The request the flags describe: the values {@code gptneo generate} would use locally, so both agree. */
        GenerationRequest request() throws UsageException {
            GenerationParams params = generation.params();
            PromptFlags.Prompt given = prompt.prompt();
            GenerationRequest.Builder request = given.text() != null
                    ? GenerationRequest.builder().prompt(given.text())
                    : GenerationRequest.builder().promptIds(given.ids());
            request.maxNewTokens(params.maxNewTokens())
                    .minNewTokens(params.minNewTokens())
                    .stop(params.stop().toArray(String[]::new))
                    .repetitionPenalty(params.repetitionPenalty())
                    .topLogprobs(params.topLogprobs());
            if (params.ignoreEos()) {
                request.ignoreEos();
            }
            if (params.sample()) {
                request.sample().temperature(params.temperature()).topK(params.topK()).topP(params.topP());
                // Without --seed the server draws one, and reports it in the last message.
                if (generation.seedGiven()) {
                    request.seed(params.seed());
                }
            } else {
                request.greedy();
            }
            return request.build();
        }
    }
}
