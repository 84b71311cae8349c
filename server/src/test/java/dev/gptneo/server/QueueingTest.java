package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.rpc.RetryInfo;
import dev.gptneo.model.Fixtures;
import dev.gptneo.proto.v1.CompleteResponse;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Beyond --max-concurrent a generation waits in the queue; beyond --max-queued it is refused. */
class QueueingTest {

    @Test
    void aGenerationBeyondTheSlotsWaitsForOneAndThenGivesTheFixtureIds() throws Exception {
        try (TestServer test = TestServer.serving(TestServer.configBuilder(1, Duration.ZERO).maxQueued(1).build())) {
            ManualReader holder = new ManualReader(test.channel, CallOptions.DEFAULT, Requests.greedy(100, 1, 2, 3));
            holder.next(); // running, then paused: the reader takes no more
            Fixtures.Case c = Fixtures.cases("tiny-gpt-neo").get(1);
            CompletableFuture<CompleteResponse> queued = complete(test, c);
            test.awaitActive(2);
            assertEquals(1, test.engineStats().queued());
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> test.stub().complete(Requests.greedy(2, 1)));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
            StatusProto.fromThrowable(refused).getDetails(0).unpack(RetryInfo.class);
            holder.call.cancel("done holding", null);
            CompleteResponse answer = queued.get(30, TimeUnit.SECONDS);
            assertEquals(c.greedyNewIds().length, answer.getTokensCount());
            for (int i = 0; i < c.greedyNewIds().length; i++) {
                assertEquals(c.greedyNewIds()[i], answer.getTokens(i).getId(), "token " + i);
            }
            test.awaitActive(0);
        }
    }

    private static CompletableFuture<CompleteResponse> complete(TestServer test, Fixtures.Case c) {
        CompletableFuture<CompleteResponse> result = new CompletableFuture<>();
        TextGenerationGrpc.newStub(test.channel).complete(Requests.greedy(c.greedyNewIds().length, c.inputIds()), new StreamObserver<>() {
            @Override
            public void onNext(CompleteResponse value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        return result;
    }
}
