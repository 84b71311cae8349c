package dev.gptneo.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.function.Executable;

/**
 * What the fuzz tests (here and in the model module) require of a loader given any bytes: it
 * loads, or it throws its documented exception with a one-line message, within a second.
 * Anything else (another exception, a hang, an OutOfMemoryError) is a finding.
 */
public final class Refusals {

    private static final Duration LIMIT = Duration.ofSeconds(1);

    private Refusals() {
    }

    public static void loadsOrRefuses(Class<? extends Exception> documented, Executable load) {
        assertTimeoutPreemptively(LIMIT, () -> {
            try {
                load.execute();
            } catch (Exception e) {
                if (!documented.isInstance(e)) {
                    throw e;
                }
                String message = e.getMessage();
                if (message == null || message.isBlank() || message.contains("\n") || message.contains("\r")) {
                    throw new AssertionError("not a one-line message: " + message, e);
                }
            }
        });
    }
}
