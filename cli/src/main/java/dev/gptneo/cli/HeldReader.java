package dev.gptneo.cli;

import dev.gptneo.proto.v1.GenerateResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A STALL call's reader: it asks for no message (gRPC manual flow control, through the SDK's
 * publisher) until {@link #readAll} after its hold, so that meanwhile the server can send no
 * more than the transport's window; then it takes everything, to see how the call ended.
 */
final class HeldReader implements Flow.Subscriber<GenerateResponse> {

    private final Consumer<GenerateResponse> received;
    private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
    private final CompletableFuture<Void> end = new CompletableFuture<>();

    /** @param received is given each message, on gRPC's thread */
    HeldReader(Consumer<GenerateResponse> received) {
        this.received = received;
    }

    /** Waits up to {@code hold} for the call to end without reading (it may be refused meanwhile). */
    void hold(Duration hold) throws InterruptedException {
        try {
            end.get(hold.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // ended with a failure, which readAll reports; or still held, as meant
        }
    }

    /**
     * Takes every message from now on and waits for the end, bounded by the call's deadline.
     *
     * @throws RuntimeException the call's failure (a {@code GptNeoException})
     */
    void readAll() throws InterruptedException {
        subscription.join().request(Long.MAX_VALUE);
        try {
            end.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : new IllegalStateException(e.getCause());
        }
    }

    /** Stops the call: for a reader interrupted before it ended. */
    void cancel() {
        subscription.join().cancel();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription.complete(s);
    }

    @Override
    public void onNext(GenerateResponse message) {
        received.accept(message);
    }

    @Override
    public void onError(Throwable failure) {
        end.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
        end.complete(null);
    }
}
