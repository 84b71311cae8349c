package dev.gptneo.server;

import dev.gptneo.model.engine.RequestListener;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import io.grpc.Context;
import io.grpc.Status;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one call did, for its line in the request log: filled in as the call learns it (the
 * service on gRPC's threads, the engine's listener on its own), written once when it ends. Holds
 * counts and the caller's request id only, never prompt or generated text.
 */
final class CallSummary {

    static final Context.Key<CallSummary> KEY = Context.key("gptneo-call-summary");

    private final String method;
    private final long startNanos;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile String requestId = "";
    private volatile int tokensIn;
    private volatile int tokensOut;

    CallSummary(String method, long startNanos) {
        this.method = method;
        this.startNanos = startNanos;
    }

    /** The current call's summary; a detached one outside a logged call (nothing reads it then). */
    static CallSummary current() {
        CallSummary summary = KEY.get();
        return summary != null ? summary : new CallSummary("", System.nanoTime());
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

    /** {@code delegate}, with the generation's token counts noted here before it hears of the end. */
    RequestListener counting(RequestListener delegate) {
        return new RequestListener() {
            @Override
            public boolean ready() {
                return delegate.ready();
            }

            @Override
            public void onToken(GeneratedToken token, String textDelta) {
                delegate.onToken(token, textDelta);
            }

            @Override
            public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
                tokensIn(usage.promptTokens());
                tokensOut(usage.generatedTokens());
                delegate.onFinish(textDelta, reason, usage);
            }

            @Override
            public void onFailure(Throwable cause) {
                delegate.onFailure(cause);
            }
        };
    }

    /** The log line for the call's end with {@code code}, the first time it ends; null after that. */
    String end(Status.Code code, long nowNanos) {
        if (!ended.compareAndSet(false, true)) {
            return null;
        }
        return String.format(Locale.ROOT, "request_id=%s method=%s status=%s tokens_in=%d tokens_out=%d duration_ms=%.1f",
                requestId.isEmpty() ? "-" : requestId, method, code, tokensIn, tokensOut,
                (nowNanos - startNanos) / 1e6);
    }
}
