package dev.gptneo.cli;

import dev.gptneo.client.GptNeoClientBuilder;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gptneo loadtest}: a load generator for a running server, measured from outside as vLLM's
 * and TGI's serving benchmarks do, with hostile clients mixed in to check that the server protects
 * itself from them. Progress goes to stderr while it runs; stdout gets only the report.
 */
@Command(name = "loadtest", description = {"load a server with concurrent Generate streams and report latency percentiles",
        "Runs --requests greedy Generate calls (or starts them for --duration-seconds), --concurrency at a time,"
                + " each with a seeded random prompt of exactly --prompt-tokens ids and ignore_eos so that"
                + " --max-new-tokens tokens come back; every call is sent once (no retries) with a deadline. Seeded"
                + " fractions of the calls are hostile: cancelled part-way, stalled (reading nothing), given a 1 ms"
                + " deadline, dropped with their connection, or sent a malformed body; --flood expects refusals."
                + " Reports time to first token, inter-token latency, time per output token and end-to-end latency"
                + " (p50, p90, p99, max, mean) over the streams that completed, output tokens/s over the run, the calls"
                + " by kind and by how they ended, and the unexpected endings (failures) by gRPC status code; exits 1"
                + " when any call ended as its kind should not."})
final class LoadtestCommand extends SubCommand {

    /** How often the progress line is redrawn on a terminal, and written as a new line otherwise (ms). */
    private static final long TERMINAL_PROGRESS_MS = 500;
    private static final long LOG_PROGRESS_MS = 5_000;
    /** How far the fractions' sum may pass 1 by rounding (0.01 + 0.2 + 0.68 + 0.11 is 1.0000000000000002). */
    private static final double SUM_SLACK = 1e-9;

    @Mixin
    ConnectionFlags connection;

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
            description = "seeds the prompts and which calls are hostile: the same seed sends the same prompts in the"
                    + " same order and makes the same calls hostile the same way (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--cancel-fraction", paramLabel = "F",
            description = "the share of calls (0 to 1, picked with --seed) the client cancels, each after 0 to T-1"
                    + " received tokens; they are counted as cancelled, not failed (default: ${DEFAULT-VALUE})")
    double cancelFraction;

    @Option(names = "--stall-fraction", paramLabel = "F",
            description = "the share of calls whose client reads nothing for --stall-seconds (on a connection with a"
                    + " 64-byte HTTP/2 window, each asking for at least 64 tokens), then reads the rest: expected"
                    + " ABORTED by the server's stall limit, or OK (default: ${DEFAULT-VALUE})")
    double stallFraction;

    @Option(names = "--stall-seconds", paramLabel = "S",
            description = "how long a stalled call reads nothing (with --duration-seconds, no longer than the time"
                    + " left); above serve's --stall-timeout-seconds to see it act, below --timeout-seconds"
                    + " (default: ${DEFAULT-VALUE})")
    int stallSeconds = 40;

    @Option(names = "--deadline-fraction", paramLabel = "F",
            description = "the share of calls with a 1 ms deadline: expected DEADLINE_EXCEEDED, or OK"
                    + " (default: ${DEFAULT-VALUE})")
    double deadlineFraction;

    @Option(names = "--vanish-fraction", paramLabel = "F",
            description = "the share of calls made on a connection of their own, which the client closes after 0 to"
                    + " T-1 received tokens: the server must free the slot (default: ${DEFAULT-VALUE})")
    double vanishFraction;

    @Option(names = "--malformed-fraction", paramLabel = "F",
            description = "the share of calls whose body is not a valid GenerateRequest (prompt_text not UTF-8):"
                    + " expected INVALID_ARGUMENT (default: ${DEFAULT-VALUE})")
    double malformedFraction;

    @Option(names = "--flood",
            description = "--concurrency is meant to exceed the server's --max-concurrent + --max-queued: any call"
                    + " but a malformed one may be refused (RESOURCE_EXHAUSTED), and at least one must be, or the"
                    + " flood did not reach the limit (exit 1) (default: off)")
    boolean flood;

    @Option(names = "--timeout-seconds", paramLabel = "S",
            description = "each call's deadline, from its start to its last message (default: ${DEFAULT-VALUE})")
    int timeoutSeconds = 600;

    @Option(names = "--warmup-requests", paramLabel = "W",
            description = "calls run first, --concurrency at a time, the same sizes and none hostile, and left out of"
                    + " the report: a server that has just started still compiles its code while it serves, and its"
                    + " slowest gaps show it (default: ${DEFAULT-VALUE})")
    int warmupRequests;

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
        Supplier<GptNeoClientBuilder> clients = connection.clients();
        PrintWriter err = spec.commandLine().getErr();
        boolean terminal = ProgressLine.stderrIsTerminal();
        Duration period = Duration.ofMillis(terminal ? TERMINAL_PROGRESS_MS : LOG_PROGRESS_MS);
        if (settings.warmupRequests() > 0) {
            LoadReport warmup = run(settings.warmup(), clients, "loadtest warm-up: ", err, terminal, period);
            if (warmup.failed() > 0) {
                throw new IllegalStateException("warm-up: " + warmup.failed() + " of " + warmup.requests()
                        + " calls failed: " + warmup.errorsByCode(), warmup.firstFailure().orElse(null));
            }
        }
        LoadReport report = run(settings, clients, "loadtest: ", err, terminal, period);
        new PrintStream(io.out(), true, StandardCharsets.UTF_8).println(json ? report.toJson() : report.toText());
        // Scripts read the status: a failure the report lists must not exit 0.
        if (report.failed() > 0) {
            // Calls that never reached the server say why once: the target and the cause.
            String cause = report.firstFailure().flatMap(e -> ConnectionFailure.explain(connection.target, e))
                    .map(explained -> " (the first: " + explained + ")").orElse("");
            throw new IllegalStateException((report.failed() == report.requests() ? "none of the " + report.requests()
                    + " calls completed" : report.failed() + " of " + report.requests() + " calls failed")
                    + ": " + report.errorsByCode() + cause, report.firstFailure().orElse(null));
        }
        if (settings.flood() && report.refused() == 0) {
            throw new IllegalStateException("--flood: no call was refused (RESOURCE_EXHAUSTED): --concurrency "
                    + settings.concurrency() + " did not exceed the server's --max-concurrent + --max-queued");
        }
        return 0;
    }

    /** Runs one phase's calls with its progress line on stderr. */
    private static LoadReport run(LoadRun.Settings settings, Supplier<GptNeoClientBuilder> clients, String label,
                                  PrintWriter err, boolean terminal, Duration period) {
        LoadRun run = new LoadRun(settings, clients);
        ProgressLine progress = new ProgressLine(err, terminal, period,
                () -> label + progressText(settings, run.progress()));
        try {
            return run.run();
        } finally {
            progress.close(); // before the report, which must never land inside a progress line
        }
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
        atLeastOne("--stall-seconds", stallSeconds);
        if (warmupRequests < 0) {
            throw new UsageException("--warmup-requests must be at least 0, got " + warmupRequests);
        }
        if (warmupRequests > 0 && flood) {
            throw new UsageException("--warmup-requests and --flood cannot be used together: a flood's refusals"
                    + " would fail the warm-up");
        }
        if (stallFraction > 0 && stallSeconds >= timeoutSeconds) {
            throw new UsageException("--stall-seconds must be below --timeout-seconds (" + timeoutSeconds + "), got "
                    + stallSeconds + ": a stalled call's deadline counts its stall");
        }
        CallPlan.Mix mix = new CallPlan.Mix(fraction("--cancel-fraction", cancelFraction),
                fraction("--stall-fraction", stallFraction), fraction("--deadline-fraction", deadlineFraction),
                fraction("--vanish-fraction", vanishFraction), fraction("--malformed-fraction", malformedFraction));
        if (mix.total() > 1 + SUM_SLACK) {
            throw new UsageException("--cancel-fraction, --stall-fraction, --deadline-fraction, --vanish-fraction and"
                    + " --malformed-fraction add up to " + Math.round(mix.total() * 1e6) / 1e6 + ": at most 1");
        }
        return new LoadRun.Settings(connection.target, concurrency, total, duration, promptTokens, maxNewTokens, seed,
                mix, Duration.ofSeconds(stallSeconds), flood, Duration.ofSeconds(timeoutSeconds), warmupRequests);
    }

    private static double fraction(String flag, double value) throws UsageException {
        if (!(value >= 0 && value <= 1)) { // NaN too
            throw new UsageException(flag + " must be between 0 and 1, got " + value);
        }
        return value;
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
        return String.format(Locale.ROOT, "%s, %s%d failed, %.1f tokens/s", done,
                settings.mix().cancel() == 0 ? "" : p.cancelled() + " cancelled, ", p.failed(), p.tokensPerSecond());
    }
}
