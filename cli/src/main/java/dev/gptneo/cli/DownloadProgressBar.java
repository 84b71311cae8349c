package dev.gptneo.cli;

import dev.gptneo.model.hub.ByteSize;
import dev.gptneo.model.hub.DownloadProgress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * A Hub download on stderr. On a terminal, a bar per file redrawn in place ({@link ProgressLine}):
 * bytes, percent, rate and time left. Elsewhere (a log, a pipe) one plain line per file,
 * {@code fetching config.json (1.0 KB)… done}, since a redrawn line would fill a log with
 * carriage returns. Closing it ends a line left open by a download that failed, so the error
 * that follows starts on a line of its own.
 */
final class DownloadProgressBar implements DownloadProgress, AutoCloseable {

    private static final Duration PERIOD = Duration.ofMillis(200);
    private static final int WIDTH = 24;

    private final PrintWriter err;
    private final boolean terminal;
    private ProgressLine line;
    private boolean plainLineOpen;
    private volatile String file;
    private volatile long done;
    private volatile long total;
    private long resumedAt;
    private long startNanos;

    DownloadProgressBar(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public synchronized void started(String file, long total, long done) {
        close();
        this.file = file;
        this.total = total;
        this.done = done;
        this.resumedAt = done;
        this.startNanos = System.nanoTime();
        if (terminal) {
            line = new ProgressLine(err, true, PERIOD, this::text);
        } else {
            err.print("fetching " + file + " (" + ByteSize.format(total) + (done > 0 ? ", resuming at "
                    + ByteSize.format(done) : "") + ")… ");
            err.flush();
            plainLineOpen = true;
        }
    }

    @Override
    public void transferred(String file, long done, long total) {
        this.done = done;
    }

    @Override
    public synchronized void finished(String file, long total) {
        this.done = total;
        if (plainLineOpen) {
            err.println("done");
            err.flush();
            plainLineOpen = false;
        }
        close();
    }

    /** Ends the line of a download that did not finish. */
    @Override
    public synchronized void close() {
        if (line != null) {
            line.close();
            line = null;
        }
        if (plainLineOpen) {
            err.println();
            err.flush();
            plainLineOpen = false;
        }
    }

    /** {@code model.safetensors [#####-----]  45% 237.6 MB / 526.2 MB  12.3 MB/s  ETA 0:23}. */
    private String text() {
        long now = done;
        long size = Math.max(total, 1);
        int filled = (int) (WIDTH * Math.min(now, size) / size);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double rate = seconds > 0 ? (now - resumedAt) / seconds : 0;
        String eta = rate > 0 ? clock((long) ((total - now) / rate)) : "--:--";
        return String.format(Locale.ROOT, "%s [%s%s] %3d%% %s / %s  %s/s  ETA %s", file, "#".repeat(filled),
                "-".repeat(WIDTH - filled), 100 * now / size, ByteSize.format(now), ByteSize.format(total),
                ByteSize.format((long) rate), eta);
    }

    private static String clock(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
