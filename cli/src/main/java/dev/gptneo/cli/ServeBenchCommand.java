package dev.gptneo.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.gptneo.bench.model.Stats;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.engine.CompletionCollector;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.proto.v1.TokenIds;
import dev.gptneo.server.GptNeoServer;
import dev.gptneo.server.ServerConfig;
import dev.gptneo.server.ServerModules;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gptneo serve-bench}: what streaming over gRPC costs. The same greedy generation runs
 * alternately in-process (straight into the engine) and as a Generate stream over loopback Netty,
 * and the median tokens/s of each are compared.
 */
@Command(name = "serve-bench", description = {"measure gRPC streaming tokens/s against the same generation in-process",
        "Starts the server on 127.0.0.1 (a free port), then alternates the same greedy generation of --tokens tokens"
                + " in-process and over gRPC, --runs times each, and prints the median and the best tokens/s of both."})
final class ServeBenchCommand extends SubCommand {

    private static final String PROMPT = "The quick brown fox jumps over the lazy dog because";

    @Option(names = "--model", paramLabel = "SPEC", description = "as for serve (default: ${DEFAULT-VALUE})")
    String model = "synthetic:tiny";

    @Option(names = "--backend", paramLabel = "NAME", completionCandidates = ModelFlags.BackendNames.class,
            description = "${COMPLETION-CANDIDATES} (default: the fastest available)")
    String backend;

    @Option(names = "--tokens", paramLabel = "N", description = "tokens each generation makes (default: ${DEFAULT-VALUE})")
    int tokens = 100;

    @Option(names = "--runs", paramLabel = "N", description = "timed runs of each path (default: ${DEFAULT-VALUE})")
    int runs = 7;

    ServeBenchCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config = ServerConfig.builder(model)
                .backend(backend)
                .host("127.0.0.1").port(0).metricsPort(-1)
                .build();
        Injector injector = Guice.createInjector(ServerModules.production(config));
        GptNeoServer server = injector.getInstance(GptNeoServer.class).start();
        ManagedChannel channel = null;
        try {
            server.load();
            channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), InsecureChannelCredentials.create())
                    .build();
            int[] prompt = injector.getInstance(LoadedModel.class).tokenizer().encode(PROMPT);
            GenerationEngine engine = injector.getInstance(GenerationEngine.class);
            TextGenerationGrpc.TextGenerationBlockingStub stub = TextGenerationGrpc.newBlockingStub(channel);
            double[] local = new double[runs];
            double[] remote = new double[runs];
            inProcess(engine, prompt, tokens); // warm-up of both paths
            overGrpc(stub, prompt, tokens);
            for (int i = 0; i < runs; i++) {
                local[i] = inProcess(engine, prompt, tokens);
                remote[i] = overGrpc(stub, prompt, tokens);
            }
            PrintStream print = new PrintStream(io.out(), true, StandardCharsets.UTF_8);
            print.printf("model %s, %d prompt + %d new tokens, %d alternating runs; tokens/s median (best)%n",
                    config.model(), prompt.length, tokens, runs);
            print.printf("in-process:           %8.1f (%.1f)%n", Stats.median(local), best(local));
            print.printf("gRPC stream loopback: %8.1f (%.1f)  = %.1f%% (%.1f%%) of in-process%n", Stats.median(remote),
                    best(remote), 100 * Stats.median(remote) / Stats.median(local), 100 * best(remote) / best(local));
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            server.shutdown();
        }
        return 0;
    }

    private static double inProcess(GenerationEngine engine, int[] prompt, int tokens) throws Exception {
        CompletionCollector collector = new CompletionCollector();
        GenerationParams params = GenerationParams.builder().maxNewTokens(tokens).ignoreEos(true).build();
        long start = System.nanoTime();
        engine.submit(prompt, params, collector);
        int generated = collector.result().get(10, TimeUnit.MINUTES).tokens().size();
        return generated * 1e9 / (System.nanoTime() - start);
    }

    private static double overGrpc(TextGenerationGrpc.TextGenerationBlockingStub stub, int[] prompt, int tokens) {
        GenerateRequest request = GenerateRequest.newBuilder()
                .setPromptIds(TokenIds.newBuilder().addAllIds(Arrays.stream(prompt).boxed().toList()))
                .setSampling(SamplingParams.newBuilder().setDecoding(SamplingParams.Decoding.GREEDY))
                .setStopping(StoppingCriteria.newBuilder().setMaxNewTokens(tokens).setIgnoreEos(true))
                .build();
        long start = System.nanoTime();
        int[] generated = {0};
        stub.generate(request).forEachRemaining(response -> generated[0] += response.getTokensCount());
        return generated[0] * 1e9 / (System.nanoTime() - start);
    }

    /** The least disturbed run: on a shared machine, noise only ever slows a run down. */
    private static double best(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }
}
