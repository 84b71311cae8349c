package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** A log record is one line on stderr unless --verbose: its message's first line and its exception's. */
class LogFormatTest {

    private static LogRecord record() {
        LogRecord record = new LogRecord(Level.WARNING, "Failed to resolve name.\n\tat io.grpc.Something(Something.java:1)");
        record.setInstant(Instant.parse("2026-01-01T12:00:01Z"));
        record.setThrown(new IOException("connection reset\nby peer"));
        return record;
    }

    @Test
    void withoutVerboseARecordIsOneLine() {
        String line = new LogFormat(false).format(record());
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d WARNING Failed to resolve name\\.: java\\.io\\.IOException: connection reset\\R"),
                line);
    }

    @Test
    void verboseKeepsTheWholeMessageAndTheStackTrace() {
        String text = new LogFormat(true).format(record());
        assertTrue(text.contains("\tat io.grpc.Something(Something.java:1)"), text);
        assertTrue(text.contains("java.io.IOException: connection reset"), text);
        assertTrue(text.contains("\tat dev.gptneo.cli.LogFormatTest.record"), text);
    }
}
