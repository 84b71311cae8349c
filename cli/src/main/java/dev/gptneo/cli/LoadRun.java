package dev.gptneo.cli;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.proto.v1.TextGenerationGrpc.TextGenerationBlockingStub;
import dev.gptneo.proto.v1.TokenIds;
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
 * One load test: {@code requests} Generate streams, {@code concurrency} at a time (a new one starts
 * when one ends), each timed from the client's side. Every call is sent once, with a deadline: a
 * load generator must count each failure rather than retry it away, and must end by itself.
 */
final class LoadRun {

    /** End-of-text in the GPT-2 vocabulary: prompt ids are drawn below it, so no prompt holds it. */
    static final int END_OF_TEXT = 50256;

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * What the run is asked to do; {@link LoadtestCommand} has checked every number is at least 1.
     * {@code token}: sent as {@code authorization: Bearer <token>}; null for no such header.
     */
    record Settings(String target, int concurrency, int requests, int promptTokens, int maxNewTokens, long seed,
            Duration timeout, String token) {
    }

    /** The counts so far, for the progress line. */
    record Progress(int completed, int failed, int requests, long tokens, long elapsedNanos) {
        double tokensPerSecond() {
            return elapsedNanos > 0 ? tokens * 1e9 / elapsedNanos : 0;
        }
    }

    private final Settings settings;
    private final LoadReport report;
    /** One stream of ids for the whole run: request i gets the i-th promptTokens of them. */
    private final SplittableRandom prompts;
    private int started;
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicLong tokens = new AtomicLong();
    private volatile long startNanos;

    LoadRun(Settings settings) {
        this.settings = settings;
        this.report = new LoadReport(settings);
        this.prompts = new SplittableRandom(settings.seed());
    }

    /** Runs every request to its end (or its deadline) and returns the figures. */
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
                for (int i = 0; i < Math.min(settings.concurrency(), settings.requests()); i++) {
                    slots.submit(() -> {
                        for (int[] prompt = nextPrompt(); prompt != null; prompt = nextPrompt()) {
                            generate(stub, prompt);
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
        return new Progress(completed.get(), failed.get(), settings.requests(), tokens.get(),
                since == 0 ? 0 : System.nanoTime() - since);
    }

    /** The next request's prompt, or null when all have been started. */
    private synchronized int[] nextPrompt() {
        if (started == settings.requests()) {
            return null;
        }
        started++;
        return prompts.ints(settings.promptTokens(), 0, END_OF_TEXT).toArray();
    }

    /** One request, timed; it is recorded in the report once it has ended, either way. */
    private void generate(TextGenerationBlockingStub stub, int[] prompt) {
        Histogram gaps = new Histogram(LoadReport.DIGITS);
        int received = 0;
        long first = 0;
        long last = 0;
        long start = System.nanoTime();
        try {
            Iterator<GenerateResponse> stream = stub
                    .withDeadlineAfter(settings.timeout().toNanos(), TimeUnit.NANOSECONDS)
                    .generate(request(prompt));
            while (stream.hasNext()) {
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
            // StatusRuntimeException as a rule; anything else counts as UNKNOWN, never lost.
            report.failed(Status.fromThrowable(e).getCode());
            failed.incrementAndGet();
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
