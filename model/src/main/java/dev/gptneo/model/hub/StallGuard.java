package dev.gptneo.model.hub;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A response body that gives up when no byte has come for a while. {@code HttpClient}'s request
 * timeout ends when the headers arrive; a connection that then goes silent would block a read
 * for ever. A watcher closes such a stream (which wakes the blocked read), and the read fails
 * saying so, for the caller to resume from what it has.
 */
final class StallGuard extends FilterInputStream {

    private static final ScheduledExecutorService WATCHER = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("hub-stall-watcher").factory());

    private final Duration timeout;
    private final ScheduledFuture<?> watch;
    private volatile long lastByteNanos = System.nanoTime();
    private volatile boolean stalled;

    StallGuard(InputStream body, Duration timeout) {
        super(body);
        this.timeout = timeout;
        long period = Math.max(1, timeout.toMillis() / 4);
        this.watch = WATCHER.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n;
        try {
            n = super.read(buffer, offset, length);
        } catch (IOException e) {
            throw stalled ? stallFailure(e) : e;
        }
        if (stalled) {
            throw stallFailure(null);
        }
        lastByteNanos = System.nanoTime();
        return n;
    }

    @Override
    public void close() throws IOException {
        watch.cancel(false);
        super.close();
    }

    private void check() {
        if (System.nanoTime() - lastByteNanos > timeout.toNanos()) {
            stalled = true;
            watch.cancel(false);
            try {
                super.close();
            } catch (IOException e) {
                // closing is what ends the read; a failure to close cleanly changes nothing
            }
        }
    }

    private IOException stallFailure(IOException cause) {
        long millis = timeout.toMillis();
        return new IOException("no data for " + (millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms"), cause);
    }
}
