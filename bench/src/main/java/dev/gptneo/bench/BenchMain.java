package dev.gptneo.bench;

import java.nio.charset.StandardCharsets;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with the usual command-line options and then reports, for each benchmark over a text
 * corpus (one op = one pass over the {@code corpus} parameter's text), the throughput in MB/s.
 */
public final class BenchMain {
    private BenchMain() {
    }

    /** Same arguments as JMH's own main, e.g. {@code -wi 2 -i 3 -f 1 TokenizerBenchmark}. */
    public static void main(String[] args) throws Exception {
        for (RunResult run : new Runner(new CommandLineOptions(args)).run()) {
            String corpus = run.getParams().getParam("corpus");
            Result<?> result = run.getPrimaryResult();
            if (corpus == null || !result.getScoreUnit().equals("ops/s")) {
                continue;
            }
            double megabytes = TokenizerBenchmark.corpusText(corpus).getBytes(StandardCharsets.UTF_8).length / 1e6;
            System.out.printf("%-60s %8.2f MB/s  (± %.2f)%n", run.getParams().getBenchmark(),
                    megabytes * result.getScore(), megabytes * result.getScoreError());
        }
    }
}
