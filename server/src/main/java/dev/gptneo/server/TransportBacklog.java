package dev.gptneo.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Lets the transport hold no more for a call than the response it is sending: isReady() turns
 * false as soon as anything waits to go out, instead of after gRPC's default 32 KiB. What a
 * slow reader has not taken then waits in the call's own queue ({@link StreamingCall}), which
 * the server drops when it ends the call, so that the status (shutdown's, the stall limit's)
 * goes out right behind what the reader's HTTP/2 window has room for, not behind 32 KiB of
 * tokens it may never read; and the generation pauses sooner for a reader that is behind.
 */
final class TransportBacklog implements ServerInterceptor {

    /** isReady() is true only while nothing is queued in the transport (gRPC wants at least 1). */
    static final int ON_READY_THRESHOLD_BYTES = 1;

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        call.setOnReadyThreshold(ON_READY_THRESHOLD_BYTES);
        return next.startCall(call, headers);
    }
}
