package dev.gptneo.model.engine;

import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A consumer whose readiness the test controls, which may also cancel itself or throw at a given token. */
final class Gate implements RequestListener {
    final AtomicBoolean open = new AtomicBoolean(true);
    final AtomicInteger tokens = new AtomicInteger();
    private final CompletionCollector collector = new CompletionCollector();
    volatile GenerationHandle handle;
    int cancelAfter = -1;
    int throwAt = -1;
    /** Tokens it takes each time it is opened before it closes again; 0: stays open. */
    int perOpening;
    private final AtomicInteger allowed = new AtomicInteger();
    RuntimeException failure;

    static Gate closed() {
        Gate gate = new Gate();
        gate.open.set(false);
        return gate;
    }

    void open(GenerationHandle h) {
        allowed.set(perOpening);
        open.set(true);
        h.resume();
    }

    CompletableFuture<CompletionCollector.Completion> result() {
        return collector.result();
    }

    @Override
    public boolean ready() {
        return open.get();
    }

    @Override
    public void onToken(GeneratedToken token, String textDelta) {
        int n = tokens.incrementAndGet();
        if (perOpening > 0 && allowed.decrementAndGet() == 0) {
            open.set(false);
        }
        if (n == throwAt) {
            throw failure;
        }
        collector.onToken(token, textDelta);
        if (n == cancelAfter) {
            handle.cancel();
        }
    }

    @Override
    public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
        collector.onFinish(textDelta, reason, usage);
    }

    @Override
    public void onFailure(Throwable cause) {
        collector.onFailure(cause);
    }
}
