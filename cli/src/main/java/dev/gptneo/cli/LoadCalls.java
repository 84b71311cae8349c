package dev.gptneo.cli;

import dev.gptneo.client.GenerationRequest;
import dev.gptneo.client.GptNeoClient;
import dev.gptneo.client.GptNeoClientBuilder;
import dev.gptneo.client.OverloadedException;
import dev.gptneo.client.TokenStream;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * The calls of a load test, a method a {@link CallKind}: each makes its call, reads it as its kind
 * says and tells how it ended. Over the SDK's clients, none of which retries: one per
 * {@link #SLOTS_PER_CONNECTION} slots for streams, cancellations and malformed bodies, one with a
 * 1 ms deadline for DEADLINE calls, one with a small HTTP/2 window for STALL calls, and one of its
 * own for each VANISH call, whose connection goes with it.
 */
final class LoadCalls implements AutoCloseable {

    /** Slots per connection: below serve's 128 streams a connection, so no call waits in the client for a stream. */
    static final int SLOTS_PER_CONNECTION = 100;
    static final Duration SHORT_DEADLINE = Duration.ofMillis(1);
    /**
     * A STALL call's HTTP/2 window: room for a message or two. With gRPC's own (1 MiB, growing) the
     * client's transport would take a whole generation for a reader that asks for nothing, and the
     * server would never see it stall.
     */
    static final int STALL_WINDOW_BYTES = 64;
    /**
     * A STALL call asks for at least this many tokens: more than the server's per-call queue (16
     * responses) and the window hold, so that its generation has to pause.
     */
    static final int STALL_MIN_NEW_TOKENS = 64;
    /** How long a refused slot waits before its next call: RetryInfo's delay, this without one, at most {@link #MAX_PAUSE}. */
    static final Duration DEFAULT_PAUSE = Duration.ofMillis(100);
    static final Duration MAX_PAUSE = Duration.ofSeconds(1);

    /** Generate with the request as raw bytes, so that a body protobuf cannot parse can be sent. */
    private static final MethodDescriptor<byte[], GenerateResponse> RAW_GENERATE = TextGenerationGrpc.getGenerateMethod()
            .toBuilder(new RawBody(), TextGenerationGrpc.getGenerateMethod().getResponseMarshaller()).build();
    /** GenerateRequest.prompt_text (field 1, length-delimited), 2 bytes long, holding 0xFF 0xFE: not UTF-8. */
    private static final byte[] INVALID_PROMPT_TEXT = {0x0A, 0x02, (byte) 0xFF, (byte) 0xFE};

    /** How a call ended, the tokens it received, and the exception it ended with (null when it ended without one). */
    record Result(CallKind.Ending ending, int tokens, RuntimeException failure) {
    }

    private final LoadRun.Settings settings;
    private final Supplier<GptNeoClientBuilder> builders;
    private final LoadReport report;
    private final LongConsumer progress;
    private final List<GptNeoClient> streams;
    private final GptNeoClient deadlines;
    private final GptNeoClient stalls;

    /**
     * @param builders set up for the server (TLS, token) afresh each time
     * @param report gets the latencies of each STREAM call that completes
     * @param progress gets every token count as it arrives
     */
    LoadCalls(LoadRun.Settings settings, Supplier<GptNeoClientBuilder> builders, LoadReport report, LongConsumer progress) {
        this.settings = settings;
        this.builders = builders;
        this.report = report;
        this.progress = progress;
        int connections = (settings.concurrency() + SLOTS_PER_CONNECTION - 1) / SLOTS_PER_CONNECTION;
        this.streams = IntStream.range(0, connections).mapToObj(i -> open(settings.timeout(), UnaryOperator.identity()))
                .toList();
        this.deadlines = open(SHORT_DEADLINE, UnaryOperator.identity());
        this.stalls = open(settings.timeout(), LoadCalls::smallWindow);
    }

    /** A client whose every call is one attempt (gRPC's transparent retries off too), with this deadline. */
    private GptNeoClient open(Duration deadline, UnaryOperator<ManagedChannelBuilder<?>> transport) {
        return builders.get().maxAttempts(1).deadline(deadline)
                .configureChannel(channel -> transport.apply(channel.disableRetry()))
                .build();
    }

    private static ManagedChannelBuilder<?> smallWindow(ManagedChannelBuilder<?> channel) {
        if (!(channel instanceof NettyChannelBuilder netty)) {
            throw new IllegalStateException("the stall calls need gRPC's Netty transport, got " + channel.getClass().getName());
        }
        return netty.flowControlWindow(STALL_WINDOW_BYTES);
    }

    /** Makes {@code call} on slot {@code slot}'s connection, reads it as its kind says, and tells how it ended. */
    Result make(int slot, LoadRun.Call call) {
        Received received = new Received();
        CallKind.Ending ending;
        RuntimeException failure = null;
        try {
            GptNeoClient client = streams.get(slot / SLOTS_PER_CONNECTION);
            ending = switch (call.kind()) {
                case STREAM, CANCEL -> stream(client, call, received);
                case STALL -> stall(call, received);
                case DEADLINE -> readAll(deadlines.generate(request(call, settings.maxNewTokens())), received);
                case VANISH -> vanish(call, received);
                case MALFORMED -> malformed(client, call, received);
            };
        } catch (RuntimeException e) {
            // A GptNeoException as a rule; anything else counts as UNKNOWN, never lost.
            ending = CallKind.Ending.of(Status.fromThrowable(e).getCode());
            failure = e;
            if (e instanceof OverloadedException refused) {
                pause(refused.retryDelay().orElse(DEFAULT_PAUSE));
            }
        }
        return new Result(ending, received.tokens, failure);
    }

    /**
     * STREAM and CANCEL: read as fast as messages come, timed; a CANCEL call is closed, which
     * cancels it, once it has received its point's tokens. A STREAM call that completes is recorded.
     */
    private CallKind.Ending stream(GptNeoClient client, LoadRun.Call call, Received received) {
        Histogram gaps = new Histogram(LoadReport.DIGITS);
        long first = 0;
        long last = 0;
        long start = System.nanoTime();
        try (TokenStream stream = client.generate(request(call, settings.maxNewTokens()))) {
            while (received.tokens < call.plan().point()) {
                if (!stream.hasNext()) {
                    long end = System.nanoTime();
                    if (call.kind() == CallKind.STREAM) {
                        report.completed(received.tokens, first - start, end - start, end - first, gaps);
                    }
                    return CallKind.Ending.OK;
                }
                boolean firstToken = received.tokens == 0;
                if (received.add(stream.next()) == 0) {
                    continue; // the last message may only report the end
                }
                long now = System.nanoTime();
                if (firstToken) {
                    first = now;
                } else {
                    gaps.recordValue(LoadReport.micros(now - last));
                }
                last = now;
            }
            return CallKind.Ending.CANCELLED_BY_CLIENT;
        }
    }

    /** STALL: reads nothing for the hold, then everything, on the small-window connection. */
    private CallKind.Ending stall(LoadRun.Call call, Received received) {
        HeldReader reader = new HeldReader(received::add);
        stalls.generateAsync(request(call, Math.max(settings.maxNewTokens(), STALL_MIN_NEW_TOKENS))).subscribe(reader);
        try {
            reader.hold(call.stallHold());
            reader.readAll();
            return CallKind.Ending.OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reader.cancel();
            return CallKind.Ending.of(Status.Code.CANCELLED);
        }
    }

    /** VANISH: a connection of its own, closed at the point with the call on it (the stream is never closed, so never cancelled). */
    private CallKind.Ending vanish(LoadRun.Call call, Received received) {
        try (GptNeoClient own = open(settings.timeout(), UnaryOperator.identity())) {
            TokenStream stream = own.generate(request(call, settings.maxNewTokens()));
            while (received.tokens < call.plan().point()) {
                if (!stream.hasNext()) {
                    return CallKind.Ending.OK;
                }
                received.add(stream.next());
            }
            return CallKind.Ending.DROPPED;
        }
    }

    /** MALFORMED: the call's request with a prompt_text that is not UTF-8, sent as raw bytes. */
    private CallKind.Ending malformed(GptNeoClient client, LoadRun.Call call, Received received) {
        byte[] body = malformedBody(request(call, settings.maxNewTokens()).toProto());
        ClientCalls.blockingServerStreamingCall(client.channel(), RAW_GENERATE,
                        CallOptions.DEFAULT.withDeadlineAfter(settings.timeout().toNanos(), TimeUnit.NANOSECONDS), body)
                .forEachRemaining(received::add);
        return CallKind.Ending.OK;
    }

    private static CallKind.Ending readAll(TokenStream stream, Received received) {
        try (stream) {
            stream.forEachRemaining(received::add);
            return CallKind.Ending.OK;
        }
    }

    /**
     * {@code request} without its prompt, then a prompt_text whose bytes are not UTF-8: protobuf
     * refuses to parse it (proto3 strings must be UTF-8), and a Java string cannot even hold it.
     */
    static byte[] malformedBody(GenerateRequest request) {
        byte[] rest = request.toBuilder().clearPrompt().build().toByteArray();
        byte[] body = Arrays.copyOf(rest, rest.length + INVALID_PROMPT_TEXT.length);
        System.arraycopy(INVALID_PROMPT_TEXT, 0, body, rest.length, INVALID_PROMPT_TEXT.length);
        return body;
    }

    /** Greedy, and past end-of-text, so that exactly {@code maxNewTokens} come back. */
    private static GenerationRequest request(LoadRun.Call call, int maxNewTokens) {
        return GenerationRequest.builder().promptIds(call.prompt()).greedy().maxNewTokens(maxNewTokens).ignoreEos().build();
    }

    /** A refused slot waits as the server asks, within bounds, rather than hammer it with calls it cannot take. */
    private static void pause(Duration asked) {
        try {
            Thread.sleep(asked.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : asked);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Stream.concat(streams.stream(), Stream.of(deadlines, stalls)).forEach(GptNeoClient::close);
    }

    /**
     * The tokens one call has received; each count also goes to the run's progress as it arrives.
     * One thread at a time adds (the slot's, or gRPC's for a held reader, whose messages come in
     * order); the slot reads the total once the call has ended.
     */
    private final class Received {
        private volatile int tokens;

        /** Counts the message's tokens and returns how many it had. */
        int add(GenerateResponse message) {
            int count = message.getTokensCount();
            tokens += count;
            progress.accept(count);
            return count;
        }
    }

    /** Sends a byte array as it is; responses are parsed by the method's own marshaller. */
    private static final class RawBody implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            throw new UnsupportedOperationException("requests only");
        }
    }
}
