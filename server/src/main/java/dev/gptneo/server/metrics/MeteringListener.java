package dev.gptneo.server.metrics;

import dev.gptneo.model.engine.ConsumerStalledException;
import dev.gptneo.model.engine.RequestListener;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;

/** Passes a request's events on, timing them for the metrics on the way. */
public final class MeteringListener implements RequestListener {

    private final RequestListener delegate;
    private final ServerMetrics metrics;
    private final long admittedNanos = System.nanoTime();
    private long lastTokenNanos;

    public MeteringListener(RequestListener delegate, ServerMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    @Override
    public boolean ready() {
        return delegate.ready();
    }

    @Override
    public void onToken(GeneratedToken token, String textDelta) {
        long now = System.nanoTime();
        if (lastTokenNanos == 0) {
            metrics.firstToken(now - admittedNanos);
        } else {
            metrics.nextToken(now - lastTokenNanos);
        }
        lastTokenNanos = now;
        delegate.onToken(token, textDelta);
    }

    @Override
    public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
        metrics.finished(reason);
        delegate.onFinish(textDelta, reason, usage);
    }

    /** A reader stalled past the limit is counted apart: the server ended it on purpose, nothing failed. */
    @Override
    public void onFailure(Throwable cause) {
        if (cause instanceof ConsumerStalledException) {
            metrics.stalled();
        } else {
            metrics.failed();
        }
        delegate.onFailure(cause);
    }
}
