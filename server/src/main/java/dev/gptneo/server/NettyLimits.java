package dev.gptneo.server;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 limits of the Netty transport: the {@link ConnectionLimits} configured, and those
 * that take no flag. gRPC's defaults leave a connection's streams unlimited, never ping, never
 * close an idle or old connection, and let a client reset streams as fast as it can open them.
 */
final class NettyLimits {

    /** gRPC's default, set here so that it is seen: a full context of ids or text is a few KiB. */
    static final int MAX_INBOUND_MESSAGE_BYTES = 4 << 20;
    /** gRPC's default: room for the usual headers and a bearer token. */
    static final int MAX_INBOUND_METADATA_BYTES = 8 << 10;
    /**
     * Resets a connection may send per {@link #RESET_WINDOW_SECONDS} before it is closed
     * (GOAWAY ENHANCE_YOUR_CALM): every cancelled call and passed deadline is one, and 100 a
     * second is more than a client that means to be served cancels, while a rapid-reset flood
     * (CVE-2023-44487) sends thousands.
     */
    static final int MAX_RESETS_PER_WINDOW = 1000;
    static final int RESET_WINDOW_SECONDS = 10;
    /**
     * The shortest keepalive a client may use (gRPC's default allows one ping in 5 minutes, and
     * closes a connection that pings more often): the server's own keepalive is a minute, and a
     * client behind a NAT that drops silent connections may want to ping twice as often.
     */
    static final Duration PERMIT_KEEPALIVE = Duration.ofSeconds(20);
    /**
     * How long a new connection may take to send its HTTP/2 preface (and TLS handshake):
     * gRPC's default of 2 minutes lets a client that connects and sends nothing hold a socket.
     */
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private NettyLimits() {
    }

    static NettyServerBuilder apply(NettyServerBuilder builder, ConnectionLimits limits) {
        return builder
                .maxConcurrentCallsPerConnection(limits.maxStreams())
                .keepAliveTime(limits.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
                .keepAliveTimeout(limits.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .maxConnectionIdle(limits.maxIdle().toNanos(), TimeUnit.NANOSECONDS)
                .maxConnectionAge(limits.maxAge().toNanos(), TimeUnit.NANOSECONDS)
                .maxConnectionAgeGrace(limits.maxAgeGrace().toNanos(), TimeUnit.NANOSECONDS)
                .permitKeepAliveTime(PERMIT_KEEPALIVE.toNanos(), TimeUnit.NANOSECONDS)
                .permitKeepAliveWithoutCalls(false)
                .maxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .maxInboundMetadataSize(MAX_INBOUND_METADATA_BYTES)
                .handshakeTimeout(HANDSHAKE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    }
}
