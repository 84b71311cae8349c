package dev.gptneo.client;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A generation as it streams in, read by blocking. The call asks the server for one message at a
 * time (gRPC manual flow control), so a slow reader pauses the generation instead of buffering it.
 * Close it when done: closing before the end cancels the call, which frees the server's slot.
 * {@link #next()} throws a {@link GptNeoException} if the call fails.
 */
public final class TokenStream implements Iterator<GenerateResponse>, AutoCloseable {

    /** Put on the queue when the call ends; a failure is put as its exception. */
    private static final Object END = new Object();

    private final ClientCall<GenerateRequest, GenerateResponse> call;
    private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
    private Object head;
    private boolean ended;

    private TokenStream(ClientCall<GenerateRequest, GenerateResponse> call) {
        this.call = call;
    }

    static TokenStream start(Channel channel, CallOptions options, GenerateRequest request) {
        TokenStream stream = new TokenStream(channel.newCall(TextGenerationGrpc.getGenerateMethod(), options));
        stream.call.start(stream.new Listener(), new Metadata());
        stream.call.sendMessage(request);
        stream.call.halfClose();
        stream.call.request(1);
        return stream;
    }

    @Override
    public boolean hasNext() {
        if (head == null) {
            head = take();
        }
        if (head instanceof GptNeoException failure) {
            ended = true;
            throw failure;
        }
        ended = head == END;
        return !ended;
    }

    @Override
    public GenerateResponse next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the generation has ended");
        }
        GenerateResponse message = (GenerateResponse) head;
        head = null;
        call.request(1);
        return message;
    }

    /** The remaining messages as a sequential stream; closing the stream closes this. */
    public Stream<GenerateResponse> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(this::close);
    }

    /** Cancels the call unless it has already ended. */
    @Override
    public void close() {
        if (!ended) {
            ended = true;
            call.cancel("closed by the client", null);
        }
    }

    private Object take() {
        try {
            return arrivals.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new CancelledException(Status.CANCELLED.withDescription("interrupted while waiting for tokens"), e);
        }
    }

    private final class Listener extends ClientCall.Listener<GenerateResponse> {
        @Override
        public void onMessage(GenerateResponse message) {
            arrivals.add(message);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            arrivals.add(status.isOk() ? END : StatusErrors.toException(status.asRuntimeException(trailers)));
        }
    }
}
