package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.gptneo.model.engine.GenerationEngine;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shutdown over a real connection with readers that fall behind: the client's HTTP/2 window is
 * a few responses (256 bytes), so what it has not read waits on the server. The process must
 * end within the grace period and a second, and a reader that still reads gets its status.
 */
class SlowReaderShutdownTest {

    private static final Duration GRACE = Duration.ofSeconds(1);
    /** Long enough not to finish within the grace at the slow reader's pace. */
    private static final int TOKENS = 120;

    private GptNeoServer server;
    private Injector injector;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        injector = Guice.createInjector(ServerModules.production(TestServer.config(2, GRACE)));
        server = injector.getInstance(GptNeoServer.class).start();
        server.load();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
                .flowControlWindow(256).build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.shutdown();
    }

    @Test
    void aReaderThatStoppedReadingDoesNotHoldTheExitPastTheGracePeriod() throws Exception {
        ManualReader stopped = new ManualReader(channel, CallOptions.DEFAULT, Requests.greedy(TOKENS, 1, 2, 3));
        stopped.next(); // and no more
        awaitPausedOrDone();
        long start = System.nanoTime();
        server.shutdown();
        long took = System.nanoTime() - start;
        assertTrue(took < GRACE.plusSeconds(1).toNanos(), "shutdown took " + TimeUnit.NANOSECONDS.toMillis(took) + " ms");
    }

    @Test
    void aSlowReaderGetsUnavailableServerShuttingDownAndTheExitStaysWithinTheGracePeriod() throws Exception {
        ManualReader slow = new ManualReader(channel, CallOptions.DEFAULT, Requests.greedy(TOKENS, 1, 2, 3));
        slow.next();
        awaitPausedOrDone();
        long start = System.nanoTime();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
            try {
                server.shutdown();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // A message every 20 ms from now on: slower than the engine, so the stream is still running when the grace ends.
        while (!slow.status.isDone()) {
            slow.call.request(1);
            Thread.sleep(20);
        }
        stopping.get(10, TimeUnit.SECONDS);
        long took = System.nanoTime() - start;
        Status ended = slow.awaitStatus();
        assertEquals(Status.Code.UNAVAILABLE, ended.getCode(), ended::toString);
        assertEquals("server shutting down", ended.getDescription());
        assertTrue(took < GRACE.plusSeconds(1).toNanos(), "shutdown took " + TimeUnit.NANOSECONDS.toMillis(took) + " ms");
    }

    /** Until the reader's generation is paused for it, or has run to its end into the transport's buffers. */
    private void awaitPausedOrDone() throws InterruptedException {
        GenerationEngine engine = injector.getInstance(GenerationEngine.class);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (engine.stats().paused() == 0 && engine.stats().active() > 0) {
            assertTrue(System.nanoTime() < deadline, () -> "engine holds " + engine.stats());
            Thread.sleep(5);
        }
    }
}
