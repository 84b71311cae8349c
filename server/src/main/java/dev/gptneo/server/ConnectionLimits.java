package dev.gptneo.server;

import java.time.Duration;

/**
 * How long, and with how many calls, one HTTP/2 connection may hold the server: a client that
 * has gone without closing, or that opens a connection and never lets go, costs a bounded time.
 * {@link NettyLimits} applies them, with the limits that take no flag.
 *
 * @param keepAliveTime how long a connection may be silent before the server pings it, to find
 *     a client gone without a FIN; gRPC raises anything under 10 s to 10 s
 * @param keepAliveTimeout how long that ping may go unanswered before the connection is closed
 * @param maxIdle how long a connection may carry no call before it is asked to go (GOAWAY)
 * @param maxAge how long a connection may live before it is asked to go (GOAWAY), so that a
 *     client cannot keep one for ever and clients spread again over restarted servers
 * @param maxAgeGrace how long the calls of a connection past its age may still run before it is closed
 * @param maxStreams calls one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS);
 *     the client holds back any more until one ends
 */
public record ConnectionLimits(Duration keepAliveTime, Duration keepAliveTimeout, Duration maxIdle, Duration maxAge,
        Duration maxAgeGrace, int maxStreams) {

    /** A minute of silence: short enough to free what a vanished client held within two. */
    public static final int DEFAULT_KEEPALIVE_SECONDS = 60;
    public static final int DEFAULT_KEEPALIVE_TIMEOUT_SECONDS = 20;
    public static final int DEFAULT_MAX_IDLE_SECONDS = 300;
    public static final int DEFAULT_MAX_AGE_SECONDS = 1800;
    /** Longer than the longest generation: 2048 tokens at 10 tokens/s on a loaded CPU. */
    public static final int DEFAULT_MAX_AGE_GRACE_SECONDS = 300;
    /**
     * Four times the default slots (32), and half of what running and queued may hold (32 + 256):
     * a multiplexing client has room for all it can be served, and one connection cannot take
     * every place, nor open streams without bound (HTTP/2's default is unlimited).
     */
    public static final int DEFAULT_MAX_STREAMS = 128;
    /** gRPC's least keepalive time: it raises shorter ones to it. */
    static final int MIN_KEEPALIVE_SECONDS = 10;

    public static final ConnectionLimits DEFAULTS = new ConnectionLimits(Duration.ofSeconds(DEFAULT_KEEPALIVE_SECONDS),
            Duration.ofSeconds(DEFAULT_KEEPALIVE_TIMEOUT_SECONDS), Duration.ofSeconds(DEFAULT_MAX_IDLE_SECONDS),
            Duration.ofSeconds(DEFAULT_MAX_AGE_SECONDS), Duration.ofSeconds(DEFAULT_MAX_AGE_GRACE_SECONDS),
            DEFAULT_MAX_STREAMS);

    /** @throws IllegalArgumentException naming the flag out of range */
    public ConnectionLimits {
        atLeast("--keepalive-seconds", keepAliveTime, MIN_KEEPALIVE_SECONDS);
        atLeast("--keepalive-timeout-seconds", keepAliveTimeout, 1);
        atLeast("--max-connection-idle-seconds", maxIdle, 1);
        atLeast("--max-connection-age-seconds", maxAge, 1);
        atLeast("--max-connection-age-grace-seconds", maxAgeGrace, 0);
        if (maxStreams < 1) {
            throw new IllegalArgumentException("--max-streams-per-connection must be at least 1, got " + maxStreams);
        }
    }

    private static void atLeast(String flag, Duration value, int seconds) {
        if (value.compareTo(Duration.ofSeconds(seconds)) < 0) {
            throw new IllegalArgumentException(flag + " must be at least " + seconds + ", got " + value.toSeconds());
        }
    }
}
