package dev.gptneo.cli;

import dev.gptneo.client.GptNeoClientBuilder;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One load test: {@code requests} Generate calls, or as many as start within {@code duration},
 * {@code concurrency} at a time (a new one starts when one ends), each made as its {@link CallPlan}
 * kind says ({@link LoadCalls}) and counted once it has ended, expected or not. Every call is sent
 * once, with a deadline: a load generator must count each failure rather than retry it away, and
 * must end by itself.
 */
final class LoadRun {

    /** End-of-text in the GPT-2 vocabulary: prompt ids are drawn below it, so no prompt holds it. */
    static final int END_OF_TEXT = 50256;

    /**
     * What the run is asked to do; {@link LoadtestCommand} has checked every number is in range.
     * {@code duration}: how long calls are started for, null to start exactly {@code requests}
     * (which is 0 with a duration); the calls running when it is up are read to their end.
     * {@code mix}: the shares of the calls of each hostile kind. {@code stallHold}: how long a
     * STALL call reads nothing. {@code flood}: the run means to exceed the server's capacity, so
     * RESOURCE_EXHAUSTED is expected. {@code timeout}: each call's deadline (DEADLINE's is 1 ms).
     */
    record Settings(String target, int concurrency, int requests, Duration duration, int promptTokens,
            int maxNewTokens, long seed, CallPlan.Mix mix, Duration stallHold, boolean flood, Duration timeout,
            int warmupRequests) {

        /**
         * The warm-up's settings: its calls, the same sizes, none hostile, and prompts of another
         * seed, so that a server that caches prompts gains nothing from it for the measured calls.
         */
        Settings warmup() {
            return new Settings(target, concurrency, warmupRequests, null, promptTokens, maxNewTokens, ~seed,
                    CallPlan.Mix.NONE, stallHold, false, timeout, 0);
        }
    }

    /**
     * The counts so far, for the progress line: the calls that have ended, of them those the client
     * cancelled as planned and those that ended unexpectedly, and the tokens received.
     */
    record Progress(int ended, int cancelled, int failed, long tokens, long elapsedNanos) {
        double tokensPerSecond() {
            return elapsedNanos > 0 ? tokens * 1e9 / elapsedNanos : 0;
        }
    }

    /**
     * A call to make: its prompt, what kind of call it is, and for a STALL call how long it reads
     * nothing: the run's hold, but no longer than the run's duration has left, so that a stalled
     * call does not keep a run going past its time by more than any other call does.
     */
    record Call(int[] prompt, CallPlan.Planned plan, Duration stallHold) {
        CallKind kind() {
            return plan.kind();
        }
    }

    private final Settings settings;
    private final Supplier<GptNeoClientBuilder> clients;
    private final LoadReport report;
    /** One stream of ids for the whole run: request i gets the i-th promptTokens of them. */
    private final SplittableRandom prompts;
    private final CallPlan plan;
    private int started;
    private final AtomicLong tokens = new AtomicLong();
    private volatile long startNanos;

    /** @param clients builders of clients for the server, set up with the command line's TLS and token */
    LoadRun(Settings settings, Supplier<GptNeoClientBuilder> clients) {
        this.settings = settings;
        this.clients = clients;
        this.report = new LoadReport(settings);
        this.prompts = new SplittableRandom(settings.seed());
        this.plan = new CallPlan(settings.seed(), settings.mix(), settings.maxNewTokens());
    }

    /** Runs every call to its end (or its deadline, or the client's doing) and returns the figures. */
    LoadReport run() {
        try (LoadCalls calls = new LoadCalls(settings, clients, report, tokens::addAndGet)) {
            startNanos = System.nanoTime();
            // A virtual thread per slot: each makes its call and reads it as its kind says, then starts the next.
            try (ExecutorService slots = Executors.newVirtualThreadPerTaskExecutor()) {
                int slotCount = settings.duration() != null ? settings.concurrency()
                        : Math.min(settings.concurrency(), settings.requests());
                for (int i = 0; i < slotCount; i++) {
                    int slot = i;
                    slots.submit(() -> {
                        for (Call call = nextCall(); call != null; call = nextCall()) {
                            LoadCalls.Result result = calls.make(slot, call);
                            report.ended(call.kind(), result.ending(),
                                    call.kind().expects(result.ending(), settings.flood()), result.tokens(),
                                    result.failure());
                        }
                    });
                }
            }
            report.wallNanos(System.nanoTime() - startNanos);
            return report;
        }
    }

    Progress progress() {
        long since = startNanos;
        return new Progress(report.requests(), report.cancelled(), report.failed(), tokens.get(),
                since == 0 ? 0 : System.nanoTime() - since);
    }

    /** The next call, or null when all have been started (or the duration is up). In start order, so seeded. */
    private synchronized Call nextCall() {
        Duration left = settings.duration() == null ? null
                : settings.duration().minusNanos(System.nanoTime() - startNanos);
        boolean over = left == null ? started == settings.requests() : !left.isPositive();
        if (over) {
            return null;
        }
        started++;
        Duration hold = left == null || left.compareTo(settings.stallHold()) > 0 ? settings.stallHold() : left;
        return new Call(prompts.ints(settings.promptTokens(), 0, END_OF_TEXT).toArray(), plan.next(), hold);
    }
}
