package dev.gptneo.cli;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.proto.v1.TextGenerationGrpc.TextGenerationBlockingStub;
import dev.gptneo.proto.v1.TokenIds;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * One load test: {@code requests} Generate streams, or as many as start within {@code duration},
 * {@code concurrency} at a time (a new one starts when one ends), each timed from the client's
 * side. Every call is sent once, with a deadline: a load generator must count each failure rather
 * than retry it away, and must end by itself. A call the {@link CancelPlan} picks is cancelled by
 * the client after some tokens; its CANCELLED status is counted apart, as expected, not as a failure.
 */
final class LoadRun {

    /** End-of-text in the GPT-2 vocabulary: prompt ids are drawn below it, so no prompt holds it. */
    static final int END_OF_TEXT = 50256;

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * What the run is asked to do; {@link LoadtestCommand} has checked every number is in range.
     * {@code duration}: how long calls are started for, null to start exactly {@code requests}
     * (which is 0 with a duration); the calls running when it is up are read to their end.
     * {@code cancelFraction}: the share of calls the client cancels (0 to 1).
     * {@code token}: sent as {@code authorization: Bearer <token>}; null for no such header.
     */
    record Settings(String target, int concurrency, int requests, Duration duration, int promptTokens,
            int maxNewTokens, long seed, double cancelFraction, Duration timeout, String token) {
    }

    /** The counts so far, for the progress line. */
    record Progress(int completed, int cancelled, int failed, long tokens, long elapsedNanos) {
        int ended() {
            return completed + cancelled + failed;
        }

        double tokensPerSecond() {
            return elapsedNanos > 0 ? tokens * 1e9 / elapsedNanos : 0;
        }
    }

    /** A call to make: its prompt, and after how many received tokens the client cancels it. */
    private record Call(int[] prompt, int cancelPoint) {
    }

    private final Settings settings;
    private final LoadReport report;
    /** One stream of ids for the whole run: request i gets the i-th promptTokens of them. */
    private final SplittableRandom prompts;
    private final CancelPlan cancels;
    private int started;
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger cancelled = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicLong tokens = new AtomicLong();
    private volatile long startNanos;

    LoadRun(Settings settings) {
        this.settings = settings;
        this.report = new LoadReport(settings);
        this.prompts = new SplittableRandom(settings.seed());
        this.cancels = new CancelPlan(settings.seed(), settings.cancelFraction(), settings.maxNewTokens());
    }

    /** Runs every request to its end (or its deadline, or its cancellation) and returns the figures. */
    LoadReport run() {
        // Plaintext Netty (the one transport on the class path). No retries, transparent ones included:
        // each call is one attempt, counted as it ends.
        ManagedChannel channel = Grpc.newChannelBuilder(settings.target(), InsecureChannelCredentials.create())
                .disableRetry()
                .build();
        try {
            TextGenerationBlockingStub stub = authorized(TextGenerationGrpc.newBlockingStub(channel));
            startNanos = System.nanoTime();
            // A virtual thread per slot: each reads its stream as fast as messages come (the blocking
            // iterator asks gRPC for the next message as soon as it has one), then starts the next request.
            try (ExecutorService slots = Executors.newVirtualThreadPerTaskExecutor()) {
                int slotCount = settings.duration() != null ? settings.concurrency()
                        : Math.min(settings.concurrency(), settings.requests());
                for (int i = 0; i < slotCount; i++) {
                    slots.submit(() -> {
                        for (Call call = nextCall(); call != null; call = nextCall()) {
                            generate(stub, call);
                        }
                    });
                }
            }
            report.wallNanos(System.nanoTime() - startNanos);
            return report;
        } finally {
            channel.shutdownNow();
        }
    }

    private TextGenerationBlockingStub authorized(TextGenerationBlockingStub stub) {
        if (settings.token() == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + settings.token());
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    Progress progress() {
        long since = startNanos;
        return new Progress(completed.get(), cancelled.get(), failed.get(), tokens.get(),
                since == 0 ? 0 : System.nanoTime() - since);
    }

    /** The next call, or null when all have been started (or the duration is up). In start order, so seeded. */
    private synchronized Call nextCall() {
        boolean over = settings.duration() == null ? started == settings.requests()
                : System.nanoTime() - startNanos >= settings.duration().toNanos();
        if (over) {
            return null;
        }
        started++;
        return new Call(prompts.ints(settings.promptTokens(), 0, END_OF_TEXT).toArray(), cancels.next());
    }

    /**
     * One request, timed; it is recorded in the report once it has ended, either way. The client
     * cancels it through its gRPC context (the blocking stub's way) on reaching its cancel point.
     */
    private void generate(TextGenerationBlockingStub stub, Call call) {
        Histogram gaps = new Histogram(LoadReport.DIGITS);
        int received = 0;
        long first = 0;
        long last = 0;
        boolean cancelling = false;
        Context.CancellableContext context = Context.current().withCancellation();
        Context previous = context.attach();
        long start = System.nanoTime();
        try {
            Iterator<GenerateResponse> stream = stub
                    .withDeadlineAfter(settings.timeout().toNanos(), TimeUnit.NANOSECONDS)
                    .generate(request(call.prompt()));
            while (true) {
                if (!cancelling && received >= call.cancelPoint()) {
                    context.cancel(null);
                    cancelling = true;
                }
                if (!stream.hasNext()) {
                    break;
                }
                int count = stream.next().getTokensCount();
                if (count == 0) {
                    continue; // the last message may only report the end
                }
                long now = System.nanoTime();
                if (received == 0) {
                    first = now;
                } else {
                    gaps.recordValue(LoadReport.micros(now - last));
                }
                last = now;
                received += count;
                tokens.addAndGet(count);
            }
            long end = System.nanoTime();
            report.completed(received, first - start, end - start, end - first, gaps);
            completed.incrementAndGet();
        } catch (RuntimeException e) {
            // StatusRuntimeException as a rule; anything else counts as UNKNOWN, never lost. CANCELLED
            // is expected only when this client cancelled: from the server it is a failure like any other.
            Status.Code code = Status.fromThrowable(e).getCode();
            if (cancelling && code == Status.Code.CANCELLED) {
                report.cancelled(received);
                cancelled.incrementAndGet();
            } else {
                report.failed(code);
                failed.incrementAndGet();
            }
        } finally {
            context.detach(previous);
            context.close();
        }
    }

    /** Greedy, and past end-of-text, so that exactly maxNewTokens come back. */
    private GenerateRequest request(int[] prompt) {
        return GenerateRequest.newBuilder()
                .setPromptIds(TokenIds.newBuilder().addAllIds(Arrays.stream(prompt).boxed().toList()))
                .setSampling(SamplingParams.newBuilder().setDecoding(SamplingParams.Decoding.GREEDY))
                .setStopping(StoppingCriteria.newBuilder()
                        .setMaxNewTokens(settings.maxNewTokens())
                        .setIgnoreEos(true))
                .build();
    }
}
