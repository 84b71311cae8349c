package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A reader that takes nothing for --stall-timeout-seconds loses its stream, and its slot goes to others. */
class StallTest {

    @Test
    void aStreamWhoseReaderTakesNothingIsAbortedAndItsSlotAndBlocksFreed() throws Exception {
        ServerConfig config = TestServer.configBuilder(1, Duration.ZERO).maxQueued(0)
                .stallTimeout(Duration.ofMillis(500)).build();
        try (TestServer test = TestServer.serving(config)) {
            ManualReader stalled = new ManualReader(test.channel, CallOptions.DEFAULT, Requests.greedy(100, 1, 2, 3));
            stalled.next(); // and no more
            Status ended = stalled.awaitStatus();
            assertEquals(Status.Code.ABORTED, ended.getCode());
            assertTrue(ended.getDescription().contains("took no token for 500 ms")
                    && ended.getDescription().contains("--stall-timeout-seconds"), ended::toString);
            test.awaitActive(0);
            assertEquals(0, test.engineStats().kvBlocksUsed(), "every block back in the pool");
            assertEquals(3, test.stub().complete(Requests.greedy(3, 1)).getUsage().getGeneratedTokens());
            assertEquals(1, test.metrics().value("gptneo_generations_total", Map.of("reason", "stalled")));
        }
    }
}
