package dev.gptneo.client;

import dev.gptneo.proto.v1.CompleteResponse;
import dev.gptneo.proto.v1.DetokenizeRequest;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.GetModelInfoRequest;
import dev.gptneo.proto.v1.ModelInfo;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.proto.v1.TokenizeRequest;
import dev.gptneo.proto.v1.TokenizeResponse;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * A client of the gptneo.v1 TextGeneration service: one gRPC channel, shared by all calls and
 * safe to use from many threads. Failures are thrown (or completed) as {@link GptNeoException}s.
 *
 * <pre>{@code
 * try (GptNeoClient client = GptNeoClient.builder().target("localhost:50051").build();
 *      TokenStream tokens = client.generate(GenerationRequest.builder().prompt("Hello").build())) {
 *     tokens.forEachRemaining(event -> System.out.print(event.getTextDelta()));
 * }
 * }</pre>
 */
public final class GptNeoClient implements AutoCloseable {

    private final ManagedChannel channel;
    private final CallCredentials credentials;
    private final Duration deadline;

    GptNeoClient(ManagedChannel channel, CallCredentials credentials, Duration deadline) {
        this.channel = channel;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    public static GptNeoClientBuilder builder() {
        return new GptNeoClientBuilder();
    }

    /** Starts a generation and reads it by blocking; close the stream to stop it early. */
    public TokenStream generate(GenerationRequest request) {
        return TokenStream.start(channel, callOptions(), request.toProto());
    }

    /**
     * A generation for a reactive subscriber: each subscription starts one call (its deadline
     * counts from then) and the server produces only as many messages as the subscriber requests.
     */
    public Flow.Publisher<GenerateResponse> generateAsync(GenerationRequest request) {
        return new GenerationPublisher(channel, this::callOptions, request.toProto());
    }

    /** The whole generation, once it has finished; cancelling the future cancels the call. */
    public CompletableFuture<CompleteResponse> complete(GenerationRequest request) {
        ClientCall<GenerateRequest, CompleteResponse> call =
                channel.newCall(TextGenerationGrpc.getCompleteMethod(), callOptions());
        CompletableFuture<CompleteResponse> result = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(call, request.toProto(), new StreamObserver<>() {
            @Override
            public void onNext(CompleteResponse response) {
                result.complete(response);
            }

            @Override
            public void onError(Throwable failure) {
                result.completeExceptionally(StatusErrors.toException(failure));
            }

            @Override
            public void onCompleted() {
            }
        });
        result.whenComplete((response, failure) -> {
            if (result.isCancelled()) {
                call.cancel("the caller cancelled the future", null);
            }
        });
        return result;
    }

    /** The model's token ids for {@code text}, with each token's own text. */
    public TokenizeResponse tokenize(String text) {
        return unary(TextGenerationGrpc.getTokenizeMethod(), TokenizeRequest.newBuilder().setText(text).build());
    }

    /** The text of these token ids. */
    public String detokenize(int... ids) {
        return unary(TextGenerationGrpc.getDetokenizeMethod(),
                DetokenizeRequest.newBuilder().addAllIds(Arrays.stream(ids).boxed().toList()).build()).getText();
    }

    /** The model the server runs, its backend and its request limits. */
    public ModelInfo modelInfo() {
        return unary(TextGenerationGrpc.getGetModelInfoMethod(), GetModelInfoRequest.getDefaultInstance());
    }

    /**
     * The client's gRPC channel, for calls this SDK has no method for: another service of the
     * server ({@code grpc.health.v1}), or a hand-made request body. Each call made on it carries
     * the client's bearer token; the deadline is the caller's to set. Closing the client closes it.
     */
    public Channel channel() {
        if (credentials == null) {
            return channel;
        }
        ClientInterceptor withToken = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return next.newCall(method, options.withCallCredentials(credentials));
            }
        };
        return ClientInterceptors.intercept(channel, withToken);
    }

    /** Cancels the calls still running and closes the connections. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private <Q, R> R unary(MethodDescriptor<Q, R> method, Q request) {
        try {
            return ClientCalls.blockingUnaryCall(channel, method, callOptions(), request);
        } catch (StatusRuntimeException e) {
            throw StatusErrors.toException(e);
        }
    }

    /** Options for a call starting now: the credentials and a deadline counted from now. */
    private CallOptions callOptions() {
        CallOptions options = CallOptions.DEFAULT.withCallCredentials(credentials);
        return deadline == null ? options : options.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }
}
