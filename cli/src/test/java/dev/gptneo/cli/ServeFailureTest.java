package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Provides;
import com.google.inject.ProvisionException;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A {@code serve} that cannot start says why in one line {@code error: ...} and exits 1, as
 * {@code generate} does: never a stack trace, nor Guice's report of its bindings.
 */
class ServeFailureTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs serve on free ports without metrics; {@code more} flags override those (the last of a flag wins). */
    private int serve(String model, String... more) {
        String[] args = Stream.concat(Stream.of("serve", "--model", model, "--port", "0", "--metrics-port", "-1",
                "--backend", "scalar"), Stream.of(more)).toArray(String[]::new);
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Main.run(args,
                new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
    }

    @Test
    void aGrpcPortInUseIsNamedWithItsFlag() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(1, serve("synthetic:tiny", "--port", String.valueOf(taken.getLocalPort())));
        }
        assertTrue(err.toString(StandardCharsets.UTF_8).matches("error: cannot listen on 127\\.0\\.0\\.1:\\d+ \\(--port\\):"
                + " address already in use; stop the other server or choose another port\n"), err::toString);
    }

    /** The case of issue #17: a second server, whose gRPC port is free and whose metrics port is not. */
    @Test
    void aMetricsPortInUseIsNamedWithItsFlag() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertEquals(1, serve("synthetic:tiny", "--metrics-port", String.valueOf(port)));
            assertEquals("error: cannot listen on 127.0.0.1:" + port + " (--metrics-port): address already in use;"
                    + " stop the other server or choose another port\n", err.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aHostThatIsNotThisMachinesIsNamedWithItsFlag() {
        assertEquals(1, serve("synthetic:tiny", "--host", "192.0.2.1", "--port", "50051"));
        assertEquals("error: cannot listen on 192.0.2.1:50051 (--host): no interface of this machine has that address;"
                + " use 127.0.0.1, 0.0.0.0 (every interface) or one of its own addresses\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aHostThatDoesNotResolveIsNamed() {
        assertEquals(1, serve("synthetic:tiny", "--host", "nosuchhost.invalid", "--port", "50051"));
        assertEquals("error: cannot listen on nosuchhost.invalid:50051 (--host): cannot resolve host nosuchhost.invalid\n",
                err.toString(StandardCharsets.UTF_8));
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

    /** An Error a command throws reaches the handler inside picocli's ExecutionException: its own message is shown. */
    @Test
    void anErrorInACommandShowsItsOwnMessage() {
        CommandLine line = Main.commandLine(null, System.out, System.err);
        assertEquals("Java heap space", FailureMessage.of(new CommandLine.ExecutionException(line,
                "Error while calling command (generate)", new OutOfMemoryError("Java heap space"))));
    }

    private static <T extends Throwable> T assertThrowsFrom(Runnable action, Class<T> type) {
        return org.junit.jupiter.api.Assertions.assertThrows(type, action::run);
    }
}
