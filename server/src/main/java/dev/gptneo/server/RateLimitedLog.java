package dev.gptneo.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A warning that clients can cause at will, written at most once per interval: the ones in
 * between are counted, and the count goes with the next line, so a flood of bad requests costs
 * one short line a minute instead of one per request.
 */
final class RateLimitedLog {

    private final Logger logger;
    private final long intervalNanos;
    private final AtomicLong nextNanos = new AtomicLong(System.nanoTime());
    private final AtomicInteger suppressed = new AtomicInteger();

    RateLimitedLog(Logger logger, Duration interval) {
        this.logger = logger;
        this.intervalNanos = interval.toNanos();
    }

    void warning(String message) {
        long now = System.nanoTime();
        long next = nextNanos.get();
        if (now - next < 0 || !nextNanos.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        int since = suppressed.getAndSet(0);
        logger.log(Level.WARNING, since == 0 ? message
                : message + " (and " + since + " more like it since the last such line)");
    }
}
