package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link ProgressLine} writes on a terminal and elsewhere. */
@Timeout(30)
class ProgressLineTest {

    private final StringWriter err = new StringWriter();
    private final AtomicInteger done = new AtomicInteger();

    private ProgressLine progress(boolean terminal) {
        return new ProgressLine(new PrintWriter(err, true), terminal, Duration.ofMillis(5), () -> "done " + done.get());
    }

    private void awaitOutput() throws InterruptedException {
        while (err.toString().isEmpty()) {
            Thread.sleep(5);
        }
    }

    @Test
    void onATerminalOneLineIsRedrawnAndEndedWithTheFinalState() throws Exception {
        ProgressLine line = progress(true);
        awaitOutput();
        done.set(7);
        line.close();
        String text = err.toString();
        assertTrue(text.startsWith("\rdone "), text);
        assertTrue(text.endsWith("\rdone 7   " + System.lineSeparator()), text);
        assertEquals(text.length() - System.lineSeparator().length(), text.indexOf(System.lineSeparator()), text);
    }

    @Test
    void elsewhereEachPeriodWritesALineAndClosingAddsNothing() throws Exception {
        ProgressLine line = progress(false);
        awaitOutput();
        line.close();
        String text = err.toString();
        assertFalse(text.contains("\r"), text);
        assertTrue(text.lines().allMatch("done 0"::equals), text);
        assertTrue(text.endsWith(System.lineSeparator()), text);
    }
}
