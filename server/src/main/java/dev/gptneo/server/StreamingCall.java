package dev.gptneo.server;

import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.model.engine.GenerationHandle;
import dev.gptneo.model.engine.RequestListener;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import dev.gptneo.proto.v1.GenerateResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;

/**
 * One Generate call: the engine's events become responses, sent only while the transport is
 * ready (gRPC flow control). Responses a slow reader has not taken wait in a small queue; when it
 * is full the engine is told the call is not ready and skips the request until the transport
 * asks for more, so nothing is buffered without bound.
 */
final class StreamingCall implements RequestListener {

    private final ServerCallStreamObserver<GenerateResponse> observer;
    private final int capacity;
    // Guarded by this: the engine thread and gRPC's onReady callback both send.
    private final ArrayDeque<GenerateResponse> queue = new ArrayDeque<>();
    private boolean finishing;
    private boolean closed;
    private volatile GenerationHandle handle;
    // The last message reports the seed a sampled generation used.
    private volatile GenerationParams params;

    StreamingCall(ServerCallStreamObserver<GenerateResponse> observer, int capacity) {
        this.observer = observer;
        this.capacity = capacity;
    }

    /**
     * Submits the request and ties the call's readiness and cancellation (by the client, or its
     * deadline) to it. Must run in the service method, before it returns.
     */
    void start(GenerationEngine engine, RequestReader.Parsed request, RequestListener listener) {
        observer.setOnReadyHandler(() -> {
            drain();
            GenerationHandle h = handle;
            if (h != null) {
                h.resume();
            }
        });
        params = request.params();
        GenerationHandle submitted = engine.submit(request.promptIds(), request.params(), listener);
        handle = submitted;
        StreamCancellation.onCancel(observer, submitted::cancel);
    }

    @Override
    public synchronized boolean ready() {
        return queue.size() < capacity;
    }

    @Override
    public void onToken(GeneratedToken token, String textDelta) {
        enqueue(Responses.step(token, textDelta));
    }

    @Override
    public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
        if (reason == StopReason.CANCELLED) {
            // Only the client (or its deadline) cancels a call's generation: nobody is listening.
            close();
            return;
        }
        // One step: a drain() on gRPC's onReady thread in between would see "finishing" with an
        // empty queue and complete the call without its last message.
        synchronized (this) {
            finishing = true;
            queue.add(Responses.last(textDelta, reason, usage, params));
        }
        drain();
    }

    @Override
    public void onFailure(Throwable cause) {
        if (close()) {
            observer.onError(GrpcErrors.toStatus(cause));
        }
    }

    private void enqueue(GenerateResponse response) {
        synchronized (this) {
            queue.add(response);
        }
        drain();
    }

    private synchronized void drain() {
        if (closed) {
            return;
        }
        while (!queue.isEmpty() && observer.isReady()) {
            observer.onNext(queue.poll());
        }
        if (finishing && queue.isEmpty()) {
            closed = true;
            observer.onCompleted();
        }
    }

    /** Drops what is queued; returns whether the call was still open. */
    private synchronized boolean close() {
        queue.clear();
        boolean wasOpen = !closed && !observer.isCancelled();
        closed = true;
        return wasOpen;
    }
}
