package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** What a download shows on stderr: plain lines in a log, a bar redrawn in place on a terminal. */
class DownloadProgressBarTest {

    private final StringWriter err = new StringWriter();

    @Test
    void elsewhereEachFileIsOnePlainLine() {
        try (DownloadProgressBar bar = new DownloadProgressBar(new PrintWriter(err, true), false)) {
            bar.started("config.json", 1_234, 0);
            bar.transferred("config.json", 1_234, 1_234);
            bar.finished("config.json", 1_234);
            bar.started("model.safetensors", 526_200_000, 100_000_000);
            bar.finished("model.safetensors", 526_200_000);
        }
        assertEquals("fetching config.json (1.2 KB)… done\n"
                + "fetching model.safetensors (526.2 MB, resuming at 100.0 MB)… done\n", err.toString());
    }

    /** A download that fails leaves its line ended, for the error that follows. */
    @Test
    void aFailedDownloadsLineIsEndedOnClose() {
        try (DownloadProgressBar bar = new DownloadProgressBar(new PrintWriter(err, true), false)) {
            bar.started("model.safetensors", 2_000, 0);
        }
        assertEquals("fetching model.safetensors (2.0 KB)… \n", err.toString());
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlaceAndEndsFull() {
        try (DownloadProgressBar bar = new DownloadProgressBar(new PrintWriter(err, true), true)) {
            bar.started("model.safetensors", 4_000_000, 0);
            bar.transferred("model.safetensors", 1_000_000, 4_000_000);
            bar.finished("model.safetensors", 4_000_000);
        }
        String shown = err.toString();
        String last = shown.substring(shown.lastIndexOf('\r')); // a redraw may have come before the end
        assertTrue(shown.startsWith("\r") && last.startsWith("\rmodel.safetensors [########################] 100% 4.0 MB"
                + " / 4.0 MB  "), shown);
        assertTrue(last.contains("/s  ETA 0:00"), shown);
        assertTrue(shown.endsWith("\n"), shown);
    }
}
