package dev.gptneo.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gptneo loadtest}: a load generator for a running server, measured from outside as vLLM's
 * and TGI's serving benchmarks do. Progress goes to stderr while it runs; stdout gets only the report.
 */
@Command(name = "loadtest", description = {"load a server with concurrent Generate streams and report latency percentiles",
        "Runs --requests greedy Generate calls (or starts them for --duration-seconds), --concurrency at a time,"
                + " each with a seeded random prompt of exactly --prompt-tokens ids and ignore_eos so that"
                + " --max-new-tokens tokens come back; every call is sent once (no retries) with a deadline, and"
                + " --cancel-fraction of them are cancelled by the client part-way. Reports time to first token,"
                + " inter-token latency, time per output token and end-to-end latency (p50, p90, p99, max, mean) over"
                + " the calls that completed, output tokens/s over the run, the calls it cancelled, and failures by gRPC"
                + " status code; exits 1 when any call failed (one it cancelled has not)."})
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

    @Option(names = "--duration-seconds", paramLabel = "S",
            description = "instead of --requests, start calls for S seconds, each slot a new one as its last ends;"
                    + " the calls running when the time is up are read to their end (default: off)")
    Integer durationSeconds;

    @Option(names = "--prompt-tokens", paramLabel = "P",
            description = "prompt ids per call, drawn below end-of-text (default: ${DEFAULT-VALUE})")
    int promptTokens = 32;

    @Option(names = "--max-new-tokens", paramLabel = "T",
            description = "tokens each call generates, past end-of-text (default: ${DEFAULT-VALUE})")
    int maxNewTokens = 64;

    @Option(names = "--seed", paramLabel = "S",
            description = "seeds the prompts and the cancellations: the same seed sends the same prompts in the same"
                    + " order and cancels the same calls at the same points (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--cancel-fraction", paramLabel = "F",
            description = "the share of calls (0 to 1, picked with --seed) the client cancels, each after 0 to T-1"
                    + " received tokens; they are counted as cancelled, not failed (default: ${DEFAULT-VALUE})")
    double cancelFraction;

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
        ProgressLine progress = new ProgressLine(err, terminal, period, () -> progressText(settings, run.progress()));
        try {
            report = run.run();
        } finally {
            progress.close(); // before the report, which must never land inside a progress line
        }
        new PrintStream(io.out(), true, StandardCharsets.UTF_8).println(json ? report.toJson() : report.toText());
        // Scripts read the status: a failure the report lists must not exit 0.
        if (report.failed() > 0) {
            throw new IllegalStateException((report.completed() == 0 ? "none of the " + report.requests()
                    + " calls completed" : report.failed() + " of " + report.requests() + " calls failed")
                    + ": " + report.errorsByCode());
        }
        return 0;
    }

    /** The flags' settings, refused with a usage error when a number is out of range. */
    LoadRun.Settings settings() throws UsageException {
        atLeastOne("--concurrency", concurrency);
        int total = 0;
        Duration duration = null;
        if (durationSeconds == null) {
            total = requests != null ? requests : 4 * concurrency;
            atLeastOne("--requests", total);
        } else if (requests != null) {
            throw new UsageException("--requests and --duration-seconds cannot be used together");
        } else {
            atLeastOne("--duration-seconds", durationSeconds);
            duration = Duration.ofSeconds(durationSeconds);
        }
        atLeastOne("--prompt-tokens", promptTokens);
        atLeastOne("--max-new-tokens", maxNewTokens);
        atLeastOne("--timeout-seconds", timeoutSeconds);
        if (!(cancelFraction >= 0 && cancelFraction <= 1)) { // NaN too
            throw new UsageException("--cancel-fraction must be between 0 and 1, got " + cancelFraction);
        }
        return new LoadRun.Settings(target, concurrency, total, duration, promptTokens, maxNewTokens, seed,
                cancelFraction, Duration.ofSeconds(timeoutSeconds), token);
    }

    private static void atLeastOne(String flag, int value) throws UsageException {
        if (value < 1) {
            throw new UsageException(flag + " must be at least 1, got " + value);
        }
    }

    private static String progressText(LoadRun.Settings settings, LoadRun.Progress p) {
        long seconds = TimeUnit.NANOSECONDS.toSeconds(p.elapsedNanos());
        String done = settings.duration() == null ? p.ended() + "/" + settings.requests() + " done"
                : seconds < settings.duration().toSeconds()
                        ? seconds + " of " + settings.duration().toSeconds() + " s, " + p.ended() + " done"
                        : seconds + " s, ending the calls in flight, " + p.ended() + " done";
        return String.format(Locale.ROOT, "loadtest: %s, %s%d failed, %.1f tokens/s", done,
                settings.cancelFraction() == 0 ? "" : p.cancelled() + " cancelled, ", p.failed(), p.tokensPerSecond());
    }
}
