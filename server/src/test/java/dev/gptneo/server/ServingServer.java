package dev.gptneo.server;

import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.server.metrics.TextFormat;
import io.grpc.ManagedChannel;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TestServer} serving the fixture (two slots, no grace) for all of a test class's tests:
 * {@code @RegisterExtension static final ServingServer test = new ServingServer();}.
 */
final class ServingServer implements BeforeAllCallback, AfterAllCallback {

    private TestServer server;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = TestServer.serving(TestServer.config(2, Duration.ZERO));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    TextGenerationGrpc.TextGenerationBlockingStub stub() {
        return server.stub();
    }

    ManagedChannel channel() {
        return server.channel;
    }

    /** One of the server's own objects, from its injector. */
    <T> T instance(Class<T> type) {
        return server.injector.getInstance(type);
    }

    /** {@link TestServer#metrics()}. */
    TextFormat metrics() {
        return server.metrics();
    }
}
