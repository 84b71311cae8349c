package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams.Decoding;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The remote generation reads the same flags as the local one, into the wire request. */
class ClientCommandTest {

    /** The request {@code client generate} would send for {@code args}; the target is not contacted. */
    private static GenerateRequest request(String... args) throws UsageException {
        CommandLine line = Main.commandLine(null, System.out, System.err);
        line.parseArgs(Stream.concat(Stream.of("client", "generate", "--target", "localhost:1"), Stream.of(args))
                .toArray(String[]::new));
        ClientCommand.Generate command = line.getSubcommands().get("client").getSubcommands().get("generate").getCommand();
        return command.request().toProto();
    }

    @Test
    void greedyByDefault() throws Exception {
        GenerateRequest r = request("--prompt", "Hi", "--max-new-tokens", "5", "--ignore-eos", "--stop", ".");
        assertEquals("Hi", r.getPromptText());
        assertEquals(Decoding.GREEDY, r.getSampling().getDecoding());
        assertFalse(r.getSampling().hasTemperature());
        assertEquals(5, r.getStopping().getMaxNewTokens());
        assertTrue(r.getStopping().getIgnoreEos());
        assertEquals(List.of("."), r.getStopping().getStopList());
    }

    @Test
    void aSamplingOptionImpliesSampling() throws Exception {
        GenerateRequest r = request("--prompt-ids", "1,2,3", "--temperature", "0.7", "--seed", "9");
        assertEquals(List.of(1, 2, 3), r.getPromptIds().getIdsList());
        assertEquals(Decoding.SAMPLE, r.getSampling().getDecoding());
        assertEquals(0.7, r.getSampling().getTemperature());
        assertEquals(9, r.getSampling().getSeed());
    }

    @Test
    void withoutASeedTheServerChoosesOne() throws Exception {
        assertFalse(request("--prompt", "Hi", "--sample").getSampling().hasSeed());
    }

    @Test
    void needsExactlyOnePrompt() {
        assertThrows(UsageException.class, () -> request("--max-new-tokens", "5"));
    }

    @Test
    void aTokenWithoutTlsIsRefusedUnlessAllowedForLoopback() {
        String refusal = "error: a token without TLS would be sent in the clear: add --tls or --tls-roots PEM,"
                + " or --allow-token-over-plaintext for a server on loopback";
        assertEquals(refusal, firstErrorLine(2, "--token", "s3cr3t-token-123"));
        // Allowed, it goes on to connect, to a port where nothing listens.
        String unreachable = firstErrorLine(1, "--token", "s3cr3t-token-123", "--allow-token-over-plaintext");
        assertTrue(unreachable.startsWith("error: nothing listening at 127.0.0.1:"), unreachable);
    }

    @Test
    void tokenAndCertificateFlagsThatDoNotGoTogetherAreUsageErrors() {
        assertEquals("error: --token and --auth-token-file exclude each other",
                firstErrorLine(2, "--tls", "--token", "a", "--auth-token-file", "tokens"));
        assertEquals("error: --tls-cert and --tls-key go together: a client certificate and its private key",
                firstErrorLine(2, "--tls-cert", "client.pem"));
    }

    /** Runs {@code client generate} against a closed port with {@code args}: stderr's first line, given the exit status. */
    private static String firstErrorLine(int status, String... args) {
        String[] all = Stream.concat(Stream.of("client", "generate", "--target", "127.0.0.1:" + closedPort(), "--prompt", "Hi",
                "--max-new-tokens", "1"), Stream.of(args)).toArray(String[]::new);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(status, Main.run(all, new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)), err::toString);
        return err.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("");
    }

    /** A loopback port that was free a moment ago, and nothing listens on. */
    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
