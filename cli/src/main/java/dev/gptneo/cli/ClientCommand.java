package dev.gptneo.cli;

import dev.gptneo.client.GenerationRequest;
import dev.gptneo.client.GptNeoClient;
import dev.gptneo.client.GptNeoClientBuilder;
import dev.gptneo.client.TokenStream;
import dev.gptneo.model.generate.GenerationParams;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code gptneo client generate}: the same generation flags as {@code gptneo generate}, run by a
 * remote server, with the text streamed to stdout as it arrives.
 */
final class ClientCommand implements Command {

    private static final Set<String> CONNECTION_VALUED = Set.of("--target", "--token", "--tls-roots");

    @Override
    public String summary() {
        return "generate on a remote gptneo server (client generate --target HOST:PORT ...)";
    }

    @Override
    public String usage() {
        return "usage: gptneo client generate --target HOST:PORT[,HOST:PORT...] (--prompt TEXT | --prompt-ids 1,2,3) [options]\n"
                + GenerateCommand.SAMPLING_USAGE
                + """
                  --target T            a server (host:port), several separated by commas, or a gRPC target (dns:///name:port)
                  --tls                 connect with TLS, trusting the JDK's certificate authorities
                  --tls-roots PEM       connect with TLS, trusting these certificates
                  --token TOKEN         send "authorization: Bearer TOKEN"
                """;
    }

    @Override
    public int run(List<String> args, InputStream in, OutputStream out) throws Exception {
        if (args.isEmpty() || !args.getFirst().equals("generate")) {
            throw new UsageException("the only client sub-command is 'generate'");
        }
        Set<String> valued = new HashSet<>(CONNECTION_VALUED);
        valued.addAll(GenerateCommand.SAMPLING_VALUED);
        valued.addAll(Set.of("--prompt", "--prompt-ids"));
        Set<String> flags = new HashSet<>(GenerateCommand.SAMPLING_FLAGS);
        flags.add("--tls");
        Options options = Options.parse(args.subList(1, args.size()), valued, flags);
        GenerationRequest request = request(options);
        PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (GptNeoClient client = client(options).build(); TokenStream tokens = client.generate(request)) {
            tokens.forEachRemaining(message -> stdout.print(message.getTextDelta()));
        }
        stdout.println();
        return 0;
    }

    /** The request the flags describe: the values {@code gptneo generate} would use locally, so both agree. */
    static GenerationRequest request(Options options) throws UsageException {
        GenerationParams params = GenerateCommand.params(options);
        PromptFlags.Prompt prompt = PromptFlags.prompt(options);
        GenerationRequest.Builder request = prompt.text() != null
                ? GenerationRequest.builder().prompt(prompt.text())
                : GenerationRequest.builder().promptIds(prompt.ids());
        request.maxNewTokens(params.maxNewTokens())
                .minNewTokens(params.minNewTokens())
                .stop(params.stop().toArray(String[]::new))
                .repetitionPenalty(params.repetitionPenalty())
                .topLogprobs(params.topLogprobs());
        if (params.ignoreEos()) {
            request.ignoreEos();
        }
        if (params.sample()) {
            request.sample().temperature(params.temperature()).topK(params.topK()).topP(params.topP())
                    .seed(params.seed());
        } else {
            request.greedy();
        }
        return request.build();
    }

    private static GptNeoClientBuilder client(Options options) throws UsageException {
        String target = options.required("--target");
        GptNeoClientBuilder builder = target.contains(",")
                ? GptNeoClient.builder().targets(target.split(","))
                : GptNeoClient.builder().target(target);
        if (options.has("--tls")) {
            builder.tls();
        }
        String roots = options.get("--tls-roots", null);
        if (roots != null) {
            builder.tls(Path.of(roots));
        }
        String token = options.get("--token", null);
        if (token != null) {
            builder.bearerToken(token);
        }
        return builder;
    }
}
