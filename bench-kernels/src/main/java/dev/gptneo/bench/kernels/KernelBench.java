package dev.gptneo.bench.kernels;

import dev.gptneo.bench.model.MachineLimits;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.DType;
import java.util.Collection;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs the JMH benchmarks (any JMH command-line options pass through, e.g.
 * {@code -p dtype=bf16 -p threads=2}) and then prints each product's weight-read GB/s and
 * GFLOP/s next to the machine's read bandwidth and FMA peak, measured by this JVM.
 *
 * <pre>java @jvm.options -jar bench-kernels/target/bench-kernels.jar [JMH options]</pre>
 *
 * <p>JMH starts each fork with this JVM's flags (the benchmarks name none but the heap), so
 * the flags in the repository's {@code jvm.options} reach the forks from the command line.
 */
public final class KernelBench {

    private KernelBench() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions options = new CommandLineOptions(args);
        Collection<RunResult> results = new Runner(options).run();
        var threadsParameter = options.getParameter("threads");
        int threads = threadsParameter.hasValue() ? Integer.parseInt(threadsParameter.get().iterator().next()) : 0;
        int effective = BackendOptions.DEFAULTS.withThreads(threads).effectiveThreads();
        MachineLimits limits = MachineLimits.measure(effective, MachineLimits.DEFAULT_BUFFER);
        System.out.printf(Locale.ROOT, "%nmachine, %d threads: read bandwidth %.1f GB/s, FMA peak %.1f GFLOP/s%n",
                effective, limits.bandwidthGBs(), limits.fmaGflops());
        System.out.printf(Locale.ROOT, "%-14s %-5s %10s %9s %7s %9s %7s%n",
                "shape", "dtype", "ms/op", "GB/s", "of bw", "GFLOP/s", "of FMA");
        for (RunResult r : results) {
            MatmulShape shape = MatmulShape.parse(r.getParams().getParam("shape"));
            DType format = DType.fromUserName(r.getParams().getParam("dtype"));
            double seconds = r.getPrimaryResult().getScore() / 1e3; // the benchmark reports ms/op
            double bytesPerSecond = shape.weightBytes(format) / seconds;
            double flopsPerSecond = shape.flops() / seconds;
            System.out.printf(Locale.ROOT, "%-14s %-5s %10.3f %9.2f %7.2f %9.1f %7.2f%n",
                    r.getParams().getParam("shape"), format.userName(), seconds * 1e3,
                    bytesPerSecond / 1e9, bytesPerSecond / limits.bandwidth(),
                    flopsPerSecond / 1e9, flopsPerSecond / limits.fmaFlops());
        }
    }
}
