package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import dev.gptneo.kernels.Backend;
import dev.gptneo.model.engine.FaultyBackend;
import dev.gptneo.proto.v1.CompleteResponse;
import dev.gptneo.proto.v1.GetModelInfoRequest;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Engine faults seen from gRPC: a failed step fails its calls alone; an engine that cannot go on ends the process. */
class EngineFaultTest {

    private final FaultyBackend faulty = new FaultyBackend();
    private final CompletableFuture<String> exit = new CompletableFuture<>();

    /** The fixture on the faulty backend, with an exit that is recorded instead of taken. */
    private Module faults() {
        return new AbstractModule() {
            @Override
            protected void configure() {
                bind(Backend.class).toInstance(faulty.backend);
                bind(ProcessExit.class).toInstance(exit::complete);
            }
        };
    }

    @Test
    void aStepThatRunsOutOfMemoryFailsItsCallWithInternalAndTheNextCallIsServed() throws Exception {
        try (TestServer test = TestServer.serving(TestServer.config(2, Duration.ZERO), faults())) {
            faulty.failNextMatmul.set(true);
            StatusRuntimeException failed = assertThrows(StatusRuntimeException.class,
                    () -> test.stub().complete(Requests.greedy(5, 1, 2)));
            assertEquals(Status.Code.INTERNAL, failed.getStatus().getCode());
            assertTrue(failed.getStatus().getDescription().contains("no memory for this step"), failed::getMessage);
            assertEquals(5, test.stub().complete(Requests.greedy(5, 1, 2)).getUsage().getGeneratedTokens());
            test.awaitActive(0);
            assertEquals(0, test.engineStats().kvBlocksUsed(), "every block back in the pool");
            assertFalse(exit.isDone());
        }
    }

    @Test
    void anEngineThatCannotGoOnTurnsHealthNotServingAndEndsTheProcessWithOneLine() throws Exception {
        try (TestServer test = TestServer.serving(TestServer.config(1, Duration.ZERO), faults())) {
            faulty.failEveryMatmul.set(true);
            // One slot: each call is a step of its own, each failing.
            for (int i = 0; i < 4 && !exit.isDone(); i++) {
                complete(test);
            }
            String line = exit.get(10, TimeUnit.SECONDS);
            assertTrue(line.startsWith("the generation engine stopped: "), line);
            assertFalse(line.contains("\n"), line);
            assertEquals(ServingStatus.NOT_SERVING, HealthGrpc.newBlockingStub(test.channel)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> test.stub().getModelInfo(GetModelInfoRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
        } finally {
            faulty.failEveryMatmul.set(false);
        }
    }

    @Test
    void aWarmUpThatFailsEndsTheStartAtOnce() throws Exception {
        try (TestServer test = TestServer.starting(TestServer.config(1, Duration.ZERO), faults())) {
            faulty.failEveryMatmul.set(true);
            long start = System.nanoTime();
            ExecutionException failed = assertThrows(ExecutionException.class, test.server::load);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "the start must not wait out a limit");
            assertTrue(failed.getCause() instanceof OutOfMemoryError, failed::getMessage);
            assertEquals(ServingStatus.NOT_SERVING, HealthGrpc.newBlockingStub(test.channel)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());
        } finally {
            faulty.failEveryMatmul.set(false);
        }
    }

    /** One Complete call, its outcome ignored: waits for it to end. */
    private static void complete(TestServer test) throws InterruptedException {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        TextGenerationGrpc.newStub(test.channel).complete(Requests.greedy(5, 1, 2), new StreamObserver<>() {
            @Override
            public void onNext(CompleteResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(null);
            }

            @Override
            public void onCompleted() {
                ended.complete(null);
            }
        });
        try {
            ended.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the call did not end", e);
        }
    }
}
