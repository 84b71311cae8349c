package dev.gptneo.client;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * A generation as a {@link Flow.Publisher}: each subscription runs one call. The subscriber's
 * {@code request(n)} becomes the call's {@code request(n)} (gRPC manual flow control), so the
 * server produces no faster than the subscriber asks; {@code cancel()} cancels the call.
 */
final class GenerationPublisher implements Flow.Publisher<GenerateResponse> {

    private final Channel channel;
    private final Supplier<CallOptions> options;
    private final GenerateRequest request;

    /** @param options gives each call's options when it starts (a deadline counts from then) */
    GenerationPublisher(Channel channel, Supplier<CallOptions> options, GenerateRequest request) {
        this.channel = channel;
        this.options = options;
        this.request = request;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super GenerateResponse> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        new CallSubscription(subscriber, channel.newCall(TextGenerationGrpc.getGenerateMethod(), options.get()))
                .start(request);
    }

    /**
     * Ties one subscriber to one call. The call starts only after {@code onSubscribe} returns, so
     * no signal can overtake it; demand and cancellation that arrive before then are held.
     */
    private static final class CallSubscription extends ClientCall.Listener<GenerateResponse>
            implements Flow.Subscription {
        private final Flow.Subscriber<? super GenerateResponse> subscriber;
        private final ClientCall<GenerateRequest, GenerateResponse> call;
        private final Object lock = new Object();
        private boolean started;
        private long heldDemand;
        private boolean unbounded;
        private volatile boolean cancelled;
        private volatile Throwable protocolError;

        CallSubscription(Flow.Subscriber<? super GenerateResponse> subscriber,
                ClientCall<GenerateRequest, GenerateResponse> call) {
            this.subscriber = subscriber;
            this.call = call;
        }

        void start(GenerateRequest request) {
            subscriber.onSubscribe(this);
            if (protocolError != null) {
                subscriber.onError(protocolError);
                return;
            }
            if (cancelled) {
                return;
            }
            call.start(this, new Metadata());
            call.sendMessage(request);
            call.halfClose();
            long demand;
            synchronized (lock) {
                started = true;
                demand = heldDemand;
            }
            if (demand > 0) {
                forward(demand);
            }
            if (cancelled) {
                call.cancel("cancelled by the subscriber", null);
            }
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                // Reactive Streams rule 3.9: a non-positive request fails the subscription.
                protocolError = new IllegalArgumentException("request(" + n + "): demand must be positive");
                cancel();
                return;
            }
            synchronized (lock) {
                if (!started) {
                    heldDemand = heldDemand + n < 0 ? Long.MAX_VALUE : heldDemand + n;
                    return;
                }
            }
            forward(n);
        }

        /** gRPC counts demand in an int: once the subscriber wants everything, ask no more. */
        private void forward(long n) {
            synchronized (lock) {
                if (unbounded) {
                    return;
                }
                unbounded = n >= Integer.MAX_VALUE;
            }
            call.request((int) Math.min(n, Integer.MAX_VALUE));
        }

        @Override
        public void cancel() {
            cancelled = true;
            boolean live;
            synchronized (lock) {
                live = started;
            }
            if (live) {
                call.cancel("cancelled by the subscriber", null);
            }
        }

        @Override
        public void onMessage(GenerateResponse message) {
            if (!cancelled) {
                subscriber.onNext(message);
            }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            if (protocolError != null) {
                subscriber.onError(protocolError);
            } else if (cancelled) {
                return; // rule 1.8: a cancelled subscription hears nothing more
            } else if (status.isOk()) {
                subscriber.onComplete();
            } else {
                subscriber.onError(StatusErrors.toException(status.asRuntimeException(trailers)));
            }
        }
    }
}
