package dev.gptneo.server;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The service names that reflection lists, asked through either of its versions' generated
 * stubs, v1 or v1alpha (which older tools still speak): the same question in two packages.
 */
final class ReflectionServices {

    private ReflectionServices() {
    }

    /** Through {@code grpc.reflection.v1.ServerReflection}; completes with its failure when refused. */
    static CompletableFuture<List<String>> v1(Channel channel) {
        return list(io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel)::serverReflectionInfo,
                io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build(),
                response -> response.getListServicesResponse().getServiceList().stream()
                        .map(io.grpc.reflection.v1.ServiceResponse::getName).toList());
    }

    /** Through {@code grpc.reflection.v1alpha.ServerReflection}; completes with its failure when refused. */
    static CompletableFuture<List<String>> v1alpha(Channel channel) {
        return list(io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel)::serverReflectionInfo,
                io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build(),
                response -> response.getListServicesResponse().getServiceList().stream()
                        .map(io.grpc.reflection.v1alpha.ServiceResponse::getName).toList());
    }

    private static <Q, R> CompletableFuture<List<String>> list(
            Function<StreamObserver<R>, StreamObserver<Q>> call, Q listServices, Function<R, List<String>> names) {
        CompletableFuture<List<String>> result = new CompletableFuture<>();
        List<String> listed = new ArrayList<>();
        StreamObserver<Q> requests = call.apply(new StreamObserver<>() {
            @Override
            public void onNext(R response) {
                listed.addAll(names.apply(response));
            }

            @Override
            public void onError(Throwable failure) {
                result.completeExceptionally(failure);
            }

            @Override
            public void onCompleted() {
                result.complete(listed);
            }
        });
        requests.onNext(listServices);
        requests.onCompleted();
        return result;
    }
}
