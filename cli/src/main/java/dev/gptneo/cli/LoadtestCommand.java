package dev.gptneo.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gptneo loadtest}: a load generator for a running server, measured from outside as vLLM's
 * and TGI's serving benchmarks do. Progress goes to stderr while it runs; stdout gets only the report.
 */
@Command(name = "loadtest", description = {"load a server with concurrent Generate streams and report latency percentiles",
        "Runs --requests greedy Generate calls, --concurrency at a time, each with a seeded random prompt of exactly"
                + " --prompt-tokens ids and ignore_eos so that --max-new-tokens tokens come back; every call is sent once"
                + " (no retries) with a deadline. Reports time to first token, inter-token latency, time per output"
                + " token and end-to-end latency (p50, p90, p99, max, mean) over the calls that completed, output tokens/s"
                + " over the run, and failures by gRPC status code; exits 1 when no call completed."})
final class LoadtestCommand extends SubCommand {

    /** How often the progress line is redrawn on a terminal, and written as a new line otherwise (ms). */
    private static final long TERMINAL_PROGRESS_MS = 500;
    private static final long LOG_PROGRESS_MS = 5_000;

    @Option(names = "--target", required = true, paramLabel = "HOST:PORT",
            description = "the server, or any gRPC target (dns:///name:port); plaintext (required)")
    String target;

    @Option(names = "--concurrency", paramLabel = "N", description = "calls in flight at once (default: ${DEFAULT-VALUE})")
    int concurrency = 1;

    @Option(names = "--requests", paramLabel = "M", description = "calls in all (default: 4 x --concurrency)")
    Integer requests;

    @Option(names = "--prompt-tokens", paramLabel = "P",
            description = "prompt ids per call, drawn below end-of-text (default: ${DEFAULT-VALUE})")
    int promptTokens = 32;

    @Option(names = "--max-new-tokens", paramLabel = "T",
            description = "tokens each call generates, past end-of-text (default: ${DEFAULT-VALUE})")
    int maxNewTokens = 64;

    @Option(names = "--seed", paramLabel = "S",
            description = "seeds the prompts: the same seed sends the same prompts in the same order"
                    + " (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--timeout-seconds", paramLabel = "S",
            description = "each call's deadline, from its start to its last message (default: ${DEFAULT-VALUE})")
    int timeoutSeconds = 600;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "send \"authorization: Bearer TOKEN\" (default: no authorization header)")
    String token;

    @Option(names = "--json", description = "one JSON object instead of the table")
    boolean json;

    @Spec
    CommandSpec spec;

    LoadtestCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws UsageException {
        LoadRun.Settings settings = settings();
        PrintWriter err = spec.commandLine().getErr();
        boolean terminal = ProgressLine.stderrIsTerminal();
        Duration period = Duration.ofMillis(terminal ? TERMINAL_PROGRESS_MS : LOG_PROGRESS_MS);
        LoadRun run = new LoadRun(settings);
        LoadReport report;
        ProgressLine progress = new ProgressLine(err, terminal, period, () -> progressText(run.progress()));
        try {
            report = run.run();
        } finally {
            progress.close(); // before the report, which must never land inside a progress line
        }
        new PrintStream(io.out(), true, StandardCharsets.UTF_8).println(json ? report.toJson() : report.toText());
        if (report.completed() == 0) {
            throw new IllegalStateException("none of the " + settings.requests() + " calls completed");
        }
        return 0;
    }

    /** The flags' settings, refused with a usage error when a number is below 1. */
    LoadRun.Settings settings() throws UsageException {
        int total = requests != null ? requests : 4 * concurrency;
        atLeastOne("--concurrency", concurrency);
        atLeastOne("--requests", total);
        atLeastOne("--prompt-tokens", promptTokens);
        atLeastOne("--max-new-tokens", maxNewTokens);
        atLeastOne("--timeout-seconds", timeoutSeconds);
        return new LoadRun.Settings(target, concurrency, total, promptTokens, maxNewTokens, seed,
                Duration.ofSeconds(timeoutSeconds), token);
    }

    private static void atLeastOne(String flag, int value) throws UsageException {
        if (value < 1) {
            throw new UsageException(flag + " must be at least 1, got " + value);
        }
    }

    private static String progressText(LoadRun.Progress p) {
        return String.format(Locale.ROOT, "loadtest: %d/%d done, %d failed, %.1f tokens/s",
                p.completed() + p.failed(), p.requests(), p.failed(), p.tokensPerSecond());
    }
}
