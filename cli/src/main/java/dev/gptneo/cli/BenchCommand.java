package dev.gptneo.cli;

import dev.gptneo.bench.model.Benchmark;
import dev.gptneo.bench.model.BenchmarkResult;
import dev.gptneo.bench.model.MachineLimits;
import dev.gptneo.model.LoadedModel;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gptneo bench}: prefill and decode speed of a model, with the machine's read bandwidth
 * and FMA peak measured in the same run, and the fractions of them the model reaches.
 */
@Command(name = "bench", description = "measure prefill and decode speed against the machine's bandwidth and FMA peak")
final class BenchCommand extends SubCommand {

    private static final Duration PROGRESS_PERIOD = Duration.ofMillis(500);

    @Mixin
    ModelFlags model;

    @Option(names = "--prompt-tokens", paramLabel = "N",
            description = "random prompt of N tokens, prefilled in one forward pass (default: ${DEFAULT-VALUE})")
    int promptTokens = 512;

    @Option(names = "--new-tokens", paramLabel = "N",
            description = "decode steps timed after the prefill, one token each (default: ${DEFAULT-VALUE})")
    int newTokens = 128;

    @Option(names = "--batch", paramLabel = "N",
            description = "also decode N sequences together, one row each per step, as the server batches them;"
                    + " 1 skips it (default: ${DEFAULT-VALUE})")
    int batch = 1;

    @Option(names = "--limits-buffer-mb", paramLabel = "N",
            description = "size of the bandwidth probe's buffer; keep it far above the L3 cache (default: ${DEFAULT-VALUE})")
    long bufferMb = MachineLimits.DEFAULT_BUFFER >> 20;

    @Option(names = "--json", description = "one JSON object instead of text")
    boolean json;

    @Spec
    CommandSpec spec;

    BenchCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        if (promptTokens < 1 || newTokens < 1 || bufferMb < 1 || batch < 1) {
            throw new UsageException("--prompt-tokens, --new-tokens, --batch and --limits-buffer-mb must be at least 1");
        }
        int threads = model.backendOptions().effectiveThreads();
        try (LoadedModel loaded = model.open()) {
            BenchmarkResult result = measure(loaded, threads);
            new PrintStream(io.out(), true).println(json ? result.toJson() : result.toText());
        }
        return 0;
    }

    /** The run, with its phase and time redrawn on stderr when that is a terminal (a run takes a minute or so). */
    private BenchmarkResult measure(LoadedModel loaded, int threads) {
        if (!ProgressLine.stderrIsTerminal()) {
            return Benchmark.run(loaded.model(), threads, promptTokens, newTokens, bufferMb << 20, batch, phase -> { });
        }
        AtomicReference<String> phase = new AtomicReference<>("starting");
        long start = System.nanoTime();
        try (ProgressLine progress = new ProgressLine(spec.commandLine().getErr(), true, PROGRESS_PERIOD,
                () -> "bench: " + phase.get() + ", " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + " s")) {
            return Benchmark.run(loaded.model(), threads, promptTokens, newTokens, bufferMb << 20, batch, phase::set);
        }
    }
}
