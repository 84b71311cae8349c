package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

    private static final String NAME = RateLimitedLogTest.class.getName();

    @Test
    void writesOneLinePerIntervalAndCountsTheOthersInTheNext() throws Exception {
        RateLimitedLog limited = new RateLimitedLog(Logger.getLogger(NAME), Duration.ofMillis(500));
        try (CapturedLog log = CapturedLog.of(NAME)) {
            for (int i = 0; i < 6; i++) {
                limited.warning("bad " + i);
            }
            Thread.sleep(600);
            limited.warning("bad again");
            assertEquals(List.of("bad 0", "bad again (and 5 more like it since the last such line)"),
                    log.records().stream().map(LogRecord::getMessage).toList());
        }
    }
}
