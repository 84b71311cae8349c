package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gptneo.kernels.Backend;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.proto.v1.FinishReason;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.GetModelInfoRequest;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Health through start-up and shutdown, and what shutdown does to running streams. */
class LifecycleTest {

    @Test
    void healthIsNotServingUntilTheModelIsLoadedAndAgainOnceShutdownBegins() throws Exception {
        CountDownLatch modelMayLoad = new CountDownLatch(1);
        TestServer test = TestServer.starting(TestServer.config(1, Duration.ZERO), new AbstractModule() {
            @Provides
            @Singleton
            LoadedModel slowToLoad(ServerConfig config, Backend backend) throws InterruptedException {
                modelMayLoad.await();
                try {
                    return LoadedModel.open(config.model(), backend, null);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
        HealthWatch watch = new HealthWatch();
        HealthGrpc.newStub(test.channel).watch(HealthCheckRequest.getDefaultInstance(), watch);
        assertEquals(ServingStatus.NOT_SERVING, watch.next());
        StatusRuntimeException early = assertThrows(StatusRuntimeException.class,
                () -> test.stub().getModelInfo(GetModelInfoRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAVAILABLE, early.getStatus().getCode());

        CompletableFuture<Void> loading = CompletableFuture.runAsync(() -> {
            try {
                test.server.load();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        modelMayLoad.countDown();
        loading.get(30, TimeUnit.SECONDS);
        assertEquals(ServingStatus.SERVING, watch.next());
        assertEquals("tiny-gpt-neo", test.stub().getModelInfo(GetModelInfoRequest.getDefaultInstance()).getName());

        CompletableFuture<Void> stopping = shutDown(test);
        assertEquals(ServingStatus.NOT_SERVING, watch.next());
        watch.cancel();
        stopping.get(30, TimeUnit.SECONDS);
        test.close();
    }

    @Test
    void shutdownLetsStreamsFinishWithinTheGracePeriodThenEndsThemAsUnavailable() throws Exception {
        TestServer test = TestServer.serving(TestServer.config(2, Duration.ofSeconds(8)));
        ManualReader stalled = new ManualReader(test.channel, CallOptions.DEFAULT, Requests.greedy(100, 1, 2));
        ManualReader reading = new ManualReader(test.channel, CallOptions.DEFAULT, Requests.greedy(20, 3, 4));
        stalled.next();
        reading.next();
        CompletableFuture<Void> stopping = shutDown(test);
        reading.call.request(Integer.MAX_VALUE);
        assertEquals(Status.Code.OK, reading.awaitStatus().getCode());
        GenerateResponse last = reading.received.stream().reduce((a, b) -> b).orElseThrow();
        assertEquals(FinishReason.LENGTH, last.getFinishReason());

        Status ended = stalled.awaitStatus();
        assertEquals(Status.Code.UNAVAILABLE, ended.getCode());
        assertEquals("server shutting down", ended.getDescription());
        stopping.get(30, TimeUnit.SECONDS);
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> test.stub().complete(Requests.greedy(2, 1)));
        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
        test.close();
    }

    /** Begins the server's shutdown (as SIGTERM would) without closing the test's channel. */
    private static CompletableFuture<Void> shutDown(TestServer test) {
        return CompletableFuture.runAsync(() -> {
            try {
                test.server.shutdown();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Collects the statuses a health Watch streams. */
    private static final class HealthWatch implements ClientResponseObserver<HealthCheckRequest, HealthCheckResponse> {
        private final BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
        private volatile ClientCallStreamObserver<HealthCheckRequest> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> requestStream) {
            call = requestStream;
        }

        ServingStatus next() throws InterruptedException {
            ServingStatus status = statuses.poll(10, TimeUnit.SECONDS);
            if (status == null) {
                throw new AssertionError("no health update within 10 s");
            }
            return status;
        }

        void cancel() {
            call.cancel("seen enough", null);
        }

        @Override
        public void onNext(HealthCheckResponse response) {
            statuses.add(response.getStatus());
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
