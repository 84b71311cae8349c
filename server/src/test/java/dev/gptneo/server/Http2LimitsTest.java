package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Netty transport's HTTP/2 limits, seen on the wire by a hand-driven connection, and on the builder. */
class Http2LimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Defaults, with the given streams, idle time and age (the least gRPC allows is 1 s). */
    private static ConnectionLimits limits(int maxStreams, Duration maxIdle, Duration maxAge, Duration maxAgeGrace) {
        ConnectionLimits d = ConnectionLimits.DEFAULTS;
        return new ConnectionLimits(d.keepAliveTime(), d.keepAliveTimeout(), maxIdle, maxAge, maxAgeGrace, maxStreams);
    }

    /** The production wiring on a loopback port with these limits, loaded. */
    private static GptNeoServer serve(ConnectionLimits limits) throws Exception {
        ServerConfig config = TestServer.configBuilder(2, Duration.ZERO).connectionLimits(limits).build();
        GptNeoServer server = Guice.createInjector(ServerModules.production(config)).getInstance(GptNeoServer.class)
                .start();
        server.load();
        return server;
    }

    @Test
    void theServerAdvertisesItsLimitOfStreamsAndOfHeaderBytes() throws Exception {
        GptNeoServer server = serve(limits(8, Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ZERO));
        try (RawHttp2 connection = new RawHttp2(server.port())) {
            RawHttp2.Frame settings = connection.await(RawHttp2.SETTINGS, WAIT);
            assertNotNull(settings, "the server closed the connection");
            assertEquals(8L, settings.settings().get(RawHttp2.SETTINGS_MAX_CONCURRENT_STREAMS));
            assertEquals((long) NettyLimits.MAX_INBOUND_METADATA_BYTES,
                    settings.settings().get(RawHttp2.SETTINGS_MAX_HEADER_LIST_SIZE));
        } finally {
            server.shutdown();
        }
    }

    @Test
    void aRapidResetFloodGetsTheConnectionClosed() throws Exception {
        GptNeoServer server = serve(ConnectionLimits.DEFAULTS);
        try (RawHttp2 connection = new RawHttp2(server.port())) {
            // Each stream opened and reset at once, as in CVE-2023-44487: never more than one open.
            for (int i = 0; i < 2 * NettyLimits.MAX_RESETS_PER_WINDOW; i++) {
                connection.openCall(2 * i + 1);
                connection.reset(2 * i + 1);
            }
            connection.flush();
            RawHttp2.Frame goAway = connection.await(RawHttp2.GOAWAY, WAIT);
            assertNotNull(goAway, "closed without a GOAWAY");
            assertEquals(RawHttp2.ENHANCE_YOUR_CALM, goAway.goAwayError(), goAway.goAwayDebug());
            assertTrue(connection.closedWithin(WAIT), "the connection stays open");
        } finally {
            server.shutdown();
        }
    }

    @Test
    void aConnectionWithoutCallsIsAskedToGoOnceIdleForTheLimit() throws Exception {
        GptNeoServer server = serve(limits(8, Duration.ofSeconds(1), Duration.ofMinutes(30), Duration.ZERO));
        try (RawHttp2 connection = new RawHttp2(server.port())) {
            long start = System.nanoTime();
            RawHttp2.Frame goAway = connection.await(RawHttp2.GOAWAY, WAIT);
            assertNotNull(goAway, "closed without a GOAWAY");
            assertEquals("max_idle", goAway.goAwayDebug());
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(900), "too early");
        } finally {
            server.shutdown();
        }
    }

    @Test
    void aConnectionPastItsAgeIsAskedToGoAndClosedAfterTheGraceThoughACallRuns() throws Exception {
        GptNeoServer server = serve(limits(8, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(1)));
        try (RawHttp2 connection = new RawHttp2(server.port())) {
            connection.openCall(1); // and never sends its request: the call stays open
            connection.flush();
            RawHttp2.Frame goAway = connection.await(RawHttp2.GOAWAY, WAIT);
            assertNotNull(goAway, "closed without a GOAWAY");
            assertEquals("max_age", goAway.goAwayDebug());
            assertTrue(connection.closedWithin(WAIT), "the connection outlives its grace");
        } finally {
            server.shutdown();
        }
    }

    /** What takes too long to see on the wire (keepalive's least time is 10 s), and the rest, read off the builder. */
    @Test
    void theBuilderCarriesEveryLimit() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(Duration.ofSeconds(61), Duration.ofSeconds(21),
                Duration.ofSeconds(301), Duration.ofSeconds(1801), Duration.ofSeconds(302), 127);
        NettyServerBuilder builder = NettyLimits.apply(NettyServerBuilder.forPort(0), limits);
        assertEquals(127, field(builder, "maxConcurrentCallsPerConnection"));
        assertEquals(TimeUnit.SECONDS.toNanos(61), field(builder, "keepAliveTimeInNanos"));
        assertEquals(TimeUnit.SECONDS.toNanos(21), field(builder, "keepAliveTimeoutInNanos"));
        assertEquals(TimeUnit.SECONDS.toNanos(301), field(builder, "maxConnectionIdleInNanos"));
        assertEquals(TimeUnit.SECONDS.toNanos(1801), field(builder, "maxConnectionAgeInNanos"));
        assertEquals(TimeUnit.SECONDS.toNanos(302), field(builder, "maxConnectionAgeGraceInNanos"));
        assertEquals(NettyLimits.PERMIT_KEEPALIVE.toNanos(), field(builder, "permitKeepAliveTimeInNanos"));
        assertEquals(NettyLimits.MAX_RESETS_PER_WINDOW, field(builder, "maxRstCount"));
        assertEquals(TimeUnit.SECONDS.toNanos(NettyLimits.RESET_WINDOW_SECONDS), field(builder, "maxRstPeriodNanos"));
        assertEquals(NettyLimits.MAX_INBOUND_MESSAGE_BYTES, field(builder, "maxMessageSize"));
        assertEquals(NettyLimits.MAX_INBOUND_METADATA_BYTES, field(builder, "maxHeaderListSize"));
        assertEquals(NettyLimits.HANDSHAKE_TIMEOUT.toMillis(), field(field(builder, "serverImplBuilder"),
                "handshakeTimeoutMillis"));
    }

    /** A private field of gRPC's builder: there are no getters. A rename in gRPC fails here, naming the field. */
    private static Object field(Object owner, String name) throws ReflectiveOperationException {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException e) {
                // look further up
            }
        }
        throw new AssertionError("no field " + name + " in " + owner.getClass() + ": has gRPC renamed it?");
    }
}
