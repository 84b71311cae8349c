package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Provides;
import com.google.inject.ProvisionException;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code serve} that cannot start says why in one line {@code error: ...} and exits 1, as
 * {@code generate} does: never a stack trace, nor Guice's report of its bindings.
 */
class ServeFailureTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int serve(String model) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Main.run(
                new String[] {"serve", "--model", model, "--port", "0", "--metrics-port", "-1", "--backend", "scalar"},
                new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
    }

    @Test
    void aMissingModelIsOneLine(@TempDir Path dir) {
        String model = dir.resolve("no-such-model").toString();
        assertEquals(1, serve(model));
        assertEquals("error: " + model + ": not a model folder (expected a Hugging Face GPT-Neo folder,"
                + " ORG/NAME[@REVISION] on the Hub, synthetic:125m or synthetic:tiny)\n", err.toString(StandardCharsets.UTF_8));
    }

    /** The window that once overflowed an int during warm-up: now refused at load, by field. */
    @Test
    void aConfigValueOutOfRangeIsOneLineNamingTheField(@TempDir Path dir) throws Exception {
        Path fixture = Fixtures.checkpoint("tiny-gpt-neo");
        Files.createSymbolicLink(dir.resolve("model.safetensors"), fixture.resolve("model.safetensors").toAbsolutePath());
        Files.writeString(dir.resolve("config.json"),
                Files.readString(fixture.resolve("config.json")).replace("\"window_size\": 8", "\"window_size\": 1000000000"));
        assertEquals(1, serve(dir.toString()));
        assertEquals("error: " + dir.resolve("config.json") + ": field \"window_size\": expected from 1 to"
                + " max_position_embeddings (128), got 1000000000\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void guicesWrappingIsTakenOffTheCause() {
        ProvisionException provision = assertThrowsFrom(() -> Guice.createInjector(new AbstractModule() {
            @Provides
            String model() {
                throw new CheckpointException("/m/config.json: field \"num_layers\": expected a whole number, got \"abc\"");
            }
        }).getInstance(String.class), ProvisionException.class);
        assertEquals("/m/config.json: field \"num_layers\": expected a whole number, got \"abc\"", FailureMessage.of(provision));

        CreationException creation = assertThrowsFrom(() -> Guice.createInjector(new AbstractModule() {
            @Override
            protected void configure() {
                throw new IllegalArgumentException("--kv-cache-mb 1: too small");
            }
        }), CreationException.class);
        assertEquals("--kv-cache-mb 1: too small", FailureMessage.of(creation));
    }

    @Test
    void aFailureOnAnotherThreadShowsItsCause() {
        ExecutionException warmUp = new ExecutionException(new IllegalStateException("the engine failed: KV pool of 0 blocks"));
        assertEquals("the engine failed: KV pool of 0 blocks", FailureMessage.of(warmUp));
        assertEquals("java.lang.NullPointerException", FailureMessage.of(new NullPointerException()));
    }

    private static <T extends Throwable> T assertThrowsFrom(Runnable action, Class<T> type) {
        return org.junit.jupiter.api.Assertions.assertThrows(type, action::run);
    }
}
