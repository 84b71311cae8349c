package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.model.Fixtures;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import dev.gptneo.proto.v1.TokenIds;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} as a process of its own, stopped by SIGTERM while a client has stopped reading. */
class ServeProcessTest {

    private static final int GRACE_SECONDS = 1;
    private static final Pattern SERVING = Pattern.compile("^gptneo serving .* at 127\\.0\\.0\\.1:(\\d+)");

    @Test
    void sigtermEndsItWithinTheGracePeriodAndASecondAndItSaysItStopped(@TempDir Path dir) throws Exception {
        // Files, not pipes: the JDK drains a pipe when the process exits, racing a thread that reads it.
        Path stdout = dir.resolve("serve.out");
        Path stderr = dir.resolve("serve.err");
        Process serve = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + jvmOptions(), "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
                "--model", Fixtures.checkpoint("tiny-gpt-neo").toString(), "--backend", "scalar", "--host", "127.0.0.1",
                "--port", "0", "--metrics-port", "-1", "--grace-seconds", String.valueOf(GRACE_SECONDS)))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try {
            int port = awaitServing(serve, stdout, stderr);
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                    .flowControlWindow(256).build();
            try {
                neverRead(channel);
                Thread.sleep(300); // its generation fills the window and pauses
                long start = System.nanoTime();
                serve.destroy(); // SIGTERM
                assertTrue(serve.waitFor(10, TimeUnit.SECONDS), "still running 10 s after SIGTERM");
                long took = System.nanoTime() - start;
                assertTrue(took < TimeUnit.SECONDS.toNanos(GRACE_SECONDS + 1),
                        "exited " + TimeUnit.NANOSECONDS.toMillis(took) + " ms after SIGTERM");
            } finally {
                channel.shutdownNow();
            }
            assertEquals(128 + 15, serve.exitValue(), "the status of a JVM ended by SIGTERM");
            List<String> out = Files.readAllLines(stdout);
            assertEquals("gptneo stopped", out.getLast(), () -> out + "\n" + read(stderr));
        } finally {
            serve.destroyForcibly();
        }
    }

    /** Waits for the line that says it serves, and returns its port. */
    private static int awaitServing(Process serve, Path stdout, Path stderr) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(stdout)) {
                Matcher serving = SERVING.matcher(line);
                if (serving.find()) {
                    return Integer.parseInt(serving.group(1));
                }
            }
            assertTrue(serve.isAlive(), () -> "serve exited: " + read(stderr));
            Thread.sleep(50);
        }
        throw new AssertionError("not serving within 60 s: " + read(stderr));
    }

    /** Starts a Generate call that takes its first message and no more; returns once it has it. */
    private static void neverRead(ManagedChannel channel) throws InterruptedException {
        ClientCall<GenerateRequest, GenerateResponse> call = channel.newCall(TextGenerationGrpc.getGenerateMethod(),
                CallOptions.DEFAULT);
        CountDownLatch first = new CountDownLatch(1);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(GenerateResponse message) {
                first.countDown();
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(GenerateRequest.newBuilder()
                .setPromptIds(TokenIds.newBuilder().addIds(1).addIds(2).addIds(3))
                .setSampling(SamplingParams.newBuilder().setDecoding(SamplingParams.Decoding.GREEDY))
                .setStopping(StoppingCriteria.newBuilder().setMaxNewTokens(120).setIgnoreEos(true))
                .build());
        call.halfClose();
        assertTrue(first.await(30, TimeUnit.SECONDS), "no first message within 30 s");
    }

    /** The project's JVM flags (jvm.options at the repository's root, above the module's folder). */
    private static Path jvmOptions() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("jvm.options"))) {
                return dir.resolve("jvm.options");
            }
        }
        throw new AssertionError("no jvm.options above " + Path.of("").toAbsolutePath());
    }

    private static String read(Path stderr) {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
