package dev.gptneo.server;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A Generate call whose reader asks for messages one at a time, as a slow client would. */
final class ManualReader extends ClientCall.Listener<GenerateResponse> {

    final BlockingQueue<GenerateResponse> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> status = new CompletableFuture<>();
    final ClientCall<GenerateRequest, GenerateResponse> call;

    ManualReader(Channel channel, CallOptions options, GenerateRequest request) {
        call = channel.newCall(TextGenerationGrpc.getGenerateMethod(), options);
        call.start(this, new Metadata());
        call.sendMessage(request);
        call.halfClose();
    }

    /** Asks for one more message and waits for it. */
    GenerateResponse next() throws InterruptedException {
        call.request(1);
        GenerateResponse response = received.poll(10, TimeUnit.SECONDS);
        if (response == null) {
            throw new AssertionError("no message within 10 s; status " + status.getNow(null));
        }
        return response;
    }

    Status awaitStatus() throws Exception {
        return status.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void onMessage(GenerateResponse message) {
        received.add(message);
    }

    @Override
    public void onClose(Status closed, Metadata trailers) {
        status.complete(closed);
    }
}
