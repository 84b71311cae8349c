package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Over a real connection, a client that cancels a stream and at once sends its next request
 * finds the slot free: the cancel reaches the engine on the transport's thread, before the
 * next request is read (gRPC's own cancel callback came after it about one time in ten here).
 * Where the stream's deframer is still open, gRPC reports the close from the application's
 * thread instead, so the order is not guaranteed: one round in sixty was once refused in a full
 * build, none in 2,000 rounds alone, with or without a loaded machine.
 */
class SlotReuseTest {

    private static final int ROUNDS = 60;
    /** The rare round whose close gRPC reported late (see above). */
    private static final int MOST_REFUSED = 1;

    @Test
    void withEverySlotAndPlaceTakenACancelFreesOneForTheVeryNextRequest() throws Exception {
        ServerConfig config = TestServer.configBuilder(1, Duration.ZERO).maxQueued(0).build();
        GptNeoServer server = Guice.createInjector(ServerModules.production(config)).getInstance(GptNeoServer.class)
                .start();
        server.load();
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(),
                InsecureChannelCredentials.create()).build();
        try {
            List<String> refused = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                ManualReader holder = new ManualReader(channel, CallOptions.DEFAULT, Requests.greedy(100, 1, 2, 3));
                holder.next(); // it holds the one slot, and there is no queue
                holder.call.cancel("the client moves on", null);
                try {
                    TextGenerationGrpc.newBlockingStub(channel).complete(Requests.greedy(2, 1));
                } catch (StatusRuntimeException e) {
                    refused.add("round " + i + ": " + e.getStatus());
                }
            }
            // Without the transport's hook about six rounds of sixty would be refused.
            assertTrue(refused.size() <= MOST_REFUSED, () -> refused.size() + " of " + ROUNDS + " refused: " + refused);
        } finally {
            channel.shutdownNow();
            server.shutdown();
        }
    }
}
