package dev.gptneo.server;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * Cancels a call's generation on the transport's own thread, the moment its stream closes
 * without the server's say (the client cancelled, its deadline passed, the connection went),
 * so that its slot is free before the transport reads the client's next request. gRPC tells
 * the service only later, on the call's executor, where it races with the next request on the
 * same connection: a client that cancels and at once submits again found the slot still taken.
 *
 * <p>A stream tracer on the server's builder; a transport without it (the tests' in-process
 * one) leaves gRPC's cancel handler alone to do the job. Cancelling twice is harmless.
 */
final class StreamCancellation extends ServerStreamTracer.Factory {

    private static final Context.Key<Tracer> TRACER = Context.key("gptneo-stream-cancellation");

    /**
     * Runs {@code cancel} when the current call's stream closes unexpectedly: on gRPC's cancel
     * handler, and before it where the transport allows. Call it in the service method.
     */
    static void onCancel(ServerCallStreamObserver<?> observer, Runnable cancel) {
        observer.setOnCancelHandler(cancel);
        Tracer tracer = TRACER.get();
        if (tracer != null) {
            tracer.whenReset(cancel);
        }
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new Tracer();
    }

    /** One stream's: it puts itself into the call's context, where {@link #onCancel} finds it. */
    private static final class Tracer extends ServerStreamTracer {
        // Guarded by this: the service's thread registers, the transport's closes.
        private Runnable cancel;
        private boolean closed;
        private boolean reset;

        @Override
        public Context filterContext(Context context) {
            return context.withValue(TRACER, this);
        }

        /** On the transport's thread; a status other than OK means nobody reads the call any more. */
        @Override
        public void streamClosed(Status status) {
            Runnable run;
            synchronized (this) {
                closed = true;
                reset = !status.isOk();
                run = reset ? cancel : null;
                cancel = null;
            }
            if (run != null) {
                run.run();
            }
        }

        void whenReset(Runnable action) {
            boolean runNow;
            synchronized (this) {
                runNow = reset;
                if (!closed) {
                    cancel = action;
                }
            }
            if (runNow) {
                action.run();
            }
        }
    }
}
