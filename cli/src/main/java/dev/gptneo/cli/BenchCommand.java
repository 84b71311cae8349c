package dev.gptneo.cli;

import dev.gptneo.bench.model.Benchmark;
import dev.gptneo.bench.model.BenchmarkResult;
import dev.gptneo.bench.model.MachineLimits;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.model.LoadedModel;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code gptneo bench}: prefill and decode speed of a model, with the machine's read bandwidth
 * and FMA peak measured in the same run, and the fractions of them the model reaches.
 */
final class BenchCommand implements Command {

    @Override
    public String summary() {
        return "measure prefill and decode speed against the machine's bandwidth and FMA peak";
    }

    @Override
    public String usage() {
        return """
                usage: gptneo bench --model SPEC [--backend NAME] [--dtype f32|bf16|q8] [--threads N]
                                    [--prompt-tokens 512] [--new-tokens 128] [--limits-buffer-mb 1024] [--json]
                  --prompt-tokens N     random prompt of N tokens, prefilled in one forward pass
                  --new-tokens N        decode steps timed after the prefill, one token each
                  --limits-buffer-mb N  size of the bandwidth probe's buffer (keep it far above the L3 cache)
                  --json                one JSON object instead of text
                """ + ModelFlags.USAGE;
    }

    @Override
    public int run(List<String> args, InputStream in, OutputStream out) throws Exception {
        Set<String> valued = new HashSet<>(ModelFlags.VALUED);
        valued.addAll(Set.of("--prompt-tokens", "--new-tokens", "--limits-buffer-mb"));
        Options options = Options.parse(args, valued, Set.of("--json"));
        int promptTokens = options.intValue("--prompt-tokens", 512);
        int newTokens = options.intValue("--new-tokens", 128);
        long bufferMb = options.longValue("--limits-buffer-mb", MachineLimits.DEFAULT_BUFFER >> 20);
        if (promptTokens < 1 || newTokens < 1 || bufferMb < 1) {
            throw new UsageException("--prompt-tokens, --new-tokens and --limits-buffer-mb must be at least 1");
        }
        int threads = BackendOptions.DEFAULTS.withThreads(options.intValue("--threads", 0)).effectiveThreads();
        try (LoadedModel loaded = ModelFlags.open(options)) {
            BenchmarkResult result = Benchmark.run(loaded.model(), threads, promptTokens, newTokens, bufferMb << 20);
            new PrintStream(out, true).println(options.has("--json") ? result.toJson() : result.toText());
        }
        return 0;
    }
}
