package dev.gptneo.server;

import com.google.gson.JsonPrimitive;
import dev.gptneo.model.engine.RequestListener;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import dev.gptneo.proto.v1.GenerateRequest;
import io.grpc.Context;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one call did, for its line in the request log: filled in as the call learns it (the
 * service on gRPC's threads, the engine's listener on its own), written once when it ends. Holds
 * counts and the caller's request id, and the prompt and generated text only when the server is
 * told to log them ({@code --log-prompts}).
 */
final class CallSummary {

    static final Context.Key<CallSummary> KEY = Context.key("gptneo-call-summary");

    private final String method;
    private final long startNanos;
    private final boolean logPrompts;
    // Only with logPrompts: what the caller sent and what it was sent back, JSON-quoted at the end.
    private volatile String prompt;
    private final StringBuffer text = new StringBuffer();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile String requestId = "";
    private volatile int tokensIn;
    private volatile int tokensOut;
    private volatile String peer = "-";
    private volatile StopReason finish;
    private volatile long firstTokenNanos;
    private volatile OptionalLong seed = OptionalLong.empty();

    CallSummary(String method, long startNanos, boolean logPrompts) {
        this.method = method;
        this.startNanos = startNanos;
        this.logPrompts = logPrompts;
    }

    /** The current call's summary; a detached one outside a logged call (nothing reads it then). */
    static CallSummary current() {
        CallSummary summary = KEY.get();
        return summary != null ? summary : new CallSummary("", System.nanoTime(), false);
    }

    /** The caller's id for the request; one that breaks the request-id rule is not kept (nor logged). */
    void requestId(String id) {
        if (RequestReader.isValidRequestId(id)) {
            requestId = id;
        }
    }

    void tokensIn(int count) {
        tokensIn = count;
    }

    void tokensOut(int count) {
        tokensOut = count;
    }

    /** With {@code --log-prompts}: the request's prompt, its text or its ids as sent. */
    void prompt(GenerateRequest request) {
        if (logPrompts) {
            prompt = request.hasPromptIds() ? request.getPromptIds().getIdsList().toString() : request.getPromptText();
        }
    }

    /** The client's address, as the transport saw it. */
    void peer(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            peer = (inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString())
                    + ":" + inet.getPort();
        } else if (address != null) {
            peer = address.toString();
        }
    }

    /** What the generation was asked to do: its seed is logged when it samples, so the log can repeat it. */
    void params(GenerationParams params) {
        seed = params.sample() ? OptionalLong.of(params.seed()) : OptionalLong.empty();
    }

    /** {@code delegate}, with the generation's token counts noted here before it hears of the end. */
    RequestListener counting(RequestListener delegate) {
        return new RequestListener() {
            @Override
            public boolean ready() {
                return delegate.ready();
            }

            @Override
            public void onToken(GeneratedToken token, String textDelta) {
                if (firstTokenNanos == 0) {
                    firstTokenNanos = System.nanoTime();
                }
                if (logPrompts) {
                    text.append(textDelta);
                }
                delegate.onToken(token, textDelta);
            }

            @Override
            public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
                tokensIn(usage.promptTokens());
                tokensOut(usage.generatedTokens());
                finish = reason;
                if (logPrompts) {
                    text.append(textDelta);
                }
                delegate.onFinish(textDelta, reason, usage);
            }

            @Override
            public void onFailure(Throwable cause) {
                delegate.onFailure(cause);
            }
        };
    }

    /**
     * The log line for the call's end with {@code code}, the first time it ends; null after that.
     * Fields a call did not reach (no token yet, no generation) are "-".
     */
    String end(Status.Code code, long nowNanos) {
        if (!ended.compareAndSet(false, true)) {
            return null;
        }
        long first = firstTokenNanos;
        String line = String.format(Locale.ROOT,
                "request_id=%s method=%s status=%s tokens_in=%d tokens_out=%d duration_ms=%.1f"
                        + " finish_reason=%s ttft_ms=%s seed=%s peer=%s",
                requestId.isEmpty() ? "-" : requestId, method, code, tokensIn, tokensOut,
                (nowNanos - startNanos) / 1e6,
                finish == null ? "-" : finish.name().toLowerCase(Locale.ROOT),
                first == 0 ? "-" : String.format(Locale.ROOT, "%.1f", (first - startNanos) / 1e6),
                seed.isPresent() ? Long.toUnsignedString(seed.getAsLong()) : "-", peer);
        String asked = prompt;
        return asked == null ? line
                : line + " prompt=" + new JsonPrimitive(asked) + " text=" + new JsonPrimitive(text.toString());
    }
}
