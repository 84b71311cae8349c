package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.gptneo.server.ServerConfig;
import io.grpc.Status;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code loadtest} end to end: a real server (the tiny fixture on the scalar backend) on a loopback
 * port, loaded through {@link Main#run}, and the report's figures checked.
 */
@Timeout(120)
class LoadtestCommandTest {

    private static final List<String> LATENCIES = List.of("ttft_ms", "itl_ms", "tpot_ms", "e2e_ms");

    private LoadtestServer server;
    private CliRun last;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /**
     * Serving on 127.0.0.1 at a free port, with {@code maxConcurrent} slots and no wait queue (a
     * call beyond them is refused); prompts are recorded. Returns its target.
     */
    private String serve(int maxConcurrent) throws Exception {
        return serve(maxConcurrent, 0);
    }

    /** As {@link #serve(int)}, with room for {@code maxQueued} calls to wait for a slot. */
    private String serve(int maxConcurrent, int maxQueued) throws Exception {
        server = LoadtestServer.recording(maxConcurrent, maxQueued);
        return server.target();
    }

    private int loadtest(String target, String... args) {
        last = CliRun.of(Stream.concat(Stream.of("loadtest", "--target", target), Stream.of(args)).toArray(String[]::new));
        return last.status();
    }

    private JsonObject report() {
        return last.json();
    }

    private String err() {
        return last.err();
    }

    private String out() {
        return last.out();
    }

    private static void assertOrderedPercentiles(JsonObject report) {
        for (String name : LATENCIES) {
            JsonObject figures = report.getAsJsonObject(name);
            double p50 = figures.get("p50").getAsDouble();
            double p90 = figures.get("p90").getAsDouble();
            double p99 = figures.get("p99").getAsDouble();
            double max = figures.get("max").getAsDouble();
            double mean = figures.get("mean").getAsDouble();
            assertTrue(0 <= p50 && p50 <= p90 && p90 <= p99 && p99 <= max, name + ": " + figures);
            assertTrue(0 < mean && mean <= max, name + ": " + figures);
        }
        // Every call's first token comes before its end, so each percentile does too.
        for (String p : List.of("p50", "p90", "p99", "max")) {
            assertTrue(report.getAsJsonObject("ttft_ms").get(p).getAsDouble()
                    <= report.getAsJsonObject("e2e_ms").get(p).getAsDouble(), p + ": " + report);
        }
    }

    @Test
    void everyCallCompletesWithExactlyMaxNewTokens() throws Exception {
        String target = serve(4);
        int status = loadtest(target, "--concurrency", "2", "--requests", "6", "--prompt-tokens", "8",
                "--max-new-tokens", "5", "--json");
        assertEquals(0, status, err());
        JsonObject report = report();
        assertEquals(2, report.get("concurrency").getAsInt());
        assertEquals(6, report.get("requests").getAsInt());
        assertEquals(8, report.get("prompt_tokens").getAsInt());
        assertEquals(5, report.get("max_new_tokens").getAsInt());
        assertEquals(6, report.get("completed").getAsInt());
        assertEquals(0, report.get("failed").getAsInt());
        assertEquals(new JsonObject(), report.get("errors"));
        assertEquals(6 * 5, report.get("output_tokens").getAsInt());
        double wall = report.get("wall_s").getAsDouble();
        assertTrue(wall > 0, report.toString());
        assertEquals(30 / wall, report.get("output_tokens_per_s").getAsDouble(), 1e-6 * 30 / wall);
        assertOrderedPercentiles(report);
        assertEquals(6, server.prompts.size());
        server.prompts.forEach(prompt -> {
            assertEquals(8, prompt.size());
            assertTrue(prompt.stream().allMatch(id -> id >= 0 && id < LoadRun.END_OF_TEXT), prompt.toString());
        });
        assertEquals(6, new HashSet<>(server.prompts).size(), "a different prompt for every call");
    }

    @Test
    void theSameSeedSendsTheSamePrompts() throws Exception {
        String target = serve(1);
        List<List<List<Integer>>> runs = new ArrayList<>();
        for (String seed : List.of("7", "7", "8")) {
            server.prompts.clear();
            assertEquals(0, loadtest(target, "--requests", "3", "--max-new-tokens", "2", "--seed", seed),
                    err());
            runs.add(List.copyOf(server.prompts));
        }
        assertEquals(runs.get(0), runs.get(1));
        assertNotEquals(runs.get(0), runs.get(2));
    }

    @Test
    void aTokenIsSentAsABearerHeaderWithEveryCall() throws Exception {
        String target = serve(2);
        assertEquals(0, loadtest(target, "--requests", "2", "--max-new-tokens", "1", "--token", "s3cret",
                "--allow-token-over-plaintext"), err());
        assertEquals(0, loadtest(target, "--requests", "1", "--max-new-tokens", "1"), err());
        assertEquals(List.of("Bearer s3cret", "Bearer s3cret", "none"), server.authorizations);
    }

    @Test
    void aTokenOverPlaintextIsRefusedBeforeAnyCall() throws Exception {
        String target = serve(2);
        assertEquals(2, loadtest(target, "--requests", "2", "--token", "s3cret"));
        assertEquals("error: a token without TLS would be sent in the clear: add --tls or --tls-roots PEM,"
                + " or --allow-token-over-plaintext for a server on loopback", last.firstErrorLine());
        assertEquals("", out(), "nothing was run");
        assertEquals(List.of(), server.authorizations, "no call reached the server");
    }

    @Test
    void warmupCallsRunFirstWithOtherPromptsAndAreLeftOutOfTheReport() throws Exception {
        String target = serve(4);
        int status = loadtest(target, "--concurrency", "2", "--requests", "3", "--warmup-requests", "4",
                "--prompt-tokens", "6", "--max-new-tokens", "2", "--json");
        assertEquals(0, status, err());
        JsonObject report = report();
        assertEquals(4, report.get("warmup_requests").getAsInt());
        assertEquals(3, report.get("requests").getAsInt());
        assertEquals(3, report.get("completed").getAsInt());
        assertEquals(3 * 2, report.get("output_tokens").getAsInt());
        assertEquals(7, server.prompts.size(), "the warm-up's calls reached the server");
        assertEquals(7, new HashSet<>(server.prompts).size(), "the warm-up's prompts are not the measured ones");
        assertEquals(0, loadtest(target, "--requests", "3", "--prompt-tokens", "6", "--max-new-tokens", "2", "--json"),
                err());
        assertEquals(Set.copyOf(server.prompts.subList(4, 7)), Set.copyOf(server.prompts.subList(7, 10)),
                "the measured calls send the prompts they send without a warm-up (in the order they arrived)");
        assertTrue(CliRun.of("loadtest", "--target", target, "--requests", "2", "--warmup-requests", "1",
                "--max-new-tokens", "1").out().startsWith("target " + target + ": 2 requests, 1 at a time, 32 prompt"
                + " + 1 new tokens each (seed 0), after 1 warm-up calls\n"));
    }

    @Test
    void aNegativeWarmupOrOneWithAFloodIsAUsageError() {
        assertEquals(2, loadtest("127.0.0.1:1", "--warmup-requests", "-1"));
        assertEquals("error: --warmup-requests must be at least 0, got -1", last.firstErrorLine());
        assertEquals(2, loadtest("127.0.0.1:1", "--warmup-requests", "2", "--flood"));
        assertEquals("error: --warmup-requests and --flood cannot be used together: a flood's refusals would fail"
                + " the warm-up", last.firstErrorLine());
        assertEquals("", out(), "nothing was run");
    }

    @Test
    void theTableReportsEveryLatencyAndRequestsDefaultToFourPerSlot() throws Exception {
        String target = serve(4);
        assertEquals(0, loadtest(target, "--concurrency", "2", "--max-new-tokens", "3"), err());
        String text = out();
        assertTrue(text.startsWith("target " + target + ": 8 requests, 2 at a time, 32 prompt + 3 new tokens"
                + " each (seed 0)\ncompleted 8, failed 0\n24 output tokens in "), text);
        assertEquals("calls: stream 8 (OK 8); unexpected 0", text.lines().skip(3).findFirst().orElseThrow(), text);
        for (String row : List.of("latency ms", "ttft", "itl", "tpot", "e2e")) {
            assertTrue(text.lines().anyMatch(line -> line.startsWith(row + " ")), row + " missing:\n" + text);
        }
    }

    @Test
    void callsBeyondTheServersSlotsAreCountedAsResourceExhausted() throws Exception {
        String target = serve(1);
        int status = loadtest(target, "--concurrency", "4", "--requests", "12", "--prompt-tokens", "4",
                "--max-new-tokens", "32", "--json");
        assertEquals(1, status, "a refused call is a failure: " + err());
        JsonObject report = report();
        int completed = report.get("completed").getAsInt();
        JsonObject errors = report.getAsJsonObject("errors");
        assertEquals(Set.of("RESOURCE_EXHAUSTED"), errors.keySet(), report.toString());
        int refused = errors.get("RESOURCE_EXHAUSTED").getAsInt();
        assertTrue(completed >= 1 && refused >= 1, report.toString());
        assertEquals(12, completed + refused);
        assertEquals(refused, report.get("failed").getAsInt());
        assertEquals(completed * 32, report.get("output_tokens").getAsInt(), "refused calls add no tokens");
        assertOrderedPercentiles(report);
        assertTrue(err().contains("error: " + refused + " of 12 calls failed: RESOURCE_EXHAUSTED " + refused),
                err());
    }

    /** The first {@code calls} cancel points a run with these settings uses. */
    private static int[] cancelPoints(long seed, double fraction, int maxNewTokens, int calls) {
        CallPlan plan = new CallPlan(seed, new CallPlan.Mix(fraction, 0, 0, 0, 0), maxNewTokens);
        return IntStream.range(0, calls).map(i -> plan.next().point()).toArray();
    }

    @Test
    void aDurationStartsCallsUntilItIsUpAndEveryCallIsCountedOnce() throws Exception {
        String target = serve(2, 64);
        int status = loadtest(target, "--concurrency", "2", "--duration-seconds", "2", "--prompt-tokens", "4",
                "--max-new-tokens", "4", "--cancel-fraction", "0.5", "--seed", "3", "--json");
        assertEquals(0, status, err());
        JsonObject report = report();
        assertEquals(2, report.get("duration_s").getAsInt());
        assertEquals(0.5, report.get("cancel_fraction").getAsDouble());
        int requests = report.get("requests").getAsInt();
        int completed = report.get("completed").getAsInt();
        int cancelled = report.get("cancelled").getAsInt();
        assertTrue(requests >= 4, "each slot starts a new call as its last ends: " + report);
        assertTrue(report.get("wall_s").getAsDouble() >= 2, report.toString());
        assertEquals(0, report.get("failed").getAsInt(), report.toString());
        assertEquals(new JsonObject(), report.get("errors"));
        assertEquals(requests, completed + cancelled);
        // Calls take their points in start order: the first `requests` points say which were cancelled.
        int[] points = cancelPoints(3, 0.5, 4, requests);
        int[] picked = IntStream.of(points).filter(p -> p != CallPlan.NEVER).toArray();
        assertEquals(picked.length, cancelled, report.toString());
        // A cancelled call has its point's tokens, and at most the one message already asked for after it.
        int cancelledTokens = report.get("output_tokens").getAsInt() - completed * 4;
        assertTrue(IntStream.of(picked).sum() <= cancelledTokens
                && cancelledTokens <= IntStream.of(picked).map(p -> p + 1).sum(), report.toString());
        assertOrderedPercentiles(report);
    }

    @Test
    void callsTheClientCancelledAreNotFailuresButInvalidArgumentIs() throws Exception {
        // Seed 9 cancels none of the first 12 calls before its first token, so every call reaches the
        // server (one cancelled at once may not), and the server refuses exactly the even-numbered ones.
        int[] points = cancelPoints(9, 0.5, 4, 12);
        assertTrue(IntStream.of(points).noneMatch(p -> p == 0), Arrays.toString(points));
        int cancelled = (int) IntStream.range(0, 12).filter(i -> i % 2 == 0 && points[i] != CallPlan.NEVER).count();
        assertTrue(cancelled > 0);
        String target = serve(1);
        server.refusal = Status.INVALID_ARGUMENT.withDescription("refused by the test");
        int status = loadtest(target, "--requests", "12", "--prompt-tokens", "4", "--max-new-tokens", "4",
                "--cancel-fraction", "0.5", "--seed", "9");
        assertEquals(1, status, err());
        String text = out();
        assertEquals("completed " + (6 - cancelled) + ", cancelled by the client " + cancelled
                + " (--cancel-fraction 0.5), failed 6 (INVALID_ARGUMENT 6)", text.lines().skip(1).findFirst().orElseThrow(),
                text);
        assertTrue(err().contains("error: 6 of 12 calls failed: INVALID_ARGUMENT 6"), err());
    }

    @Test
    void aCancelledStatusTheClientDidNotCauseIsAFailure() throws Exception {
        String target = serve(1);
        server.refusal = Status.CANCELLED.withDescription("cancelled by the server");
        int status = loadtest(target, "--requests", "6", "--max-new-tokens", "2", "--json");
        assertEquals(1, status, err());
        JsonObject report = report();
        assertEquals(3, report.get("completed").getAsInt(), report.toString());
        assertEquals(0, report.get("cancelled").getAsInt(), report.toString());
        assertEquals(3, report.getAsJsonObject("errors").get("CANCELLED").getAsInt(), report.toString());
        assertTrue(err().contains("error: 3 of 6 calls failed: CANCELLED 3"), err());
    }

    @Test
    void nothingListeningCountsEveryCallAsUnavailable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        int status = loadtest("127.0.0.1:" + port, "--requests", "3", "--timeout-seconds", "30", "--json");
        assertEquals(1, status);
        JsonObject report = report();
        assertEquals(0, report.get("completed").getAsInt());
        assertEquals(3, report.getAsJsonObject("errors").get("UNAVAILABLE").getAsInt(), report.toString());
        assertEquals(0, report.get("output_tokens").getAsInt());
        for (String name : LATENCIES) {
            assertEquals(JsonNull.INSTANCE, report.get(name), "no latency without a completed call");
        }
        assertTrue(err().contains("error: none of the 3 calls completed: UNAVAILABLE 3"), err());
    }

    @Test
    void numbersBelowOneAreUsageErrors() {
        for (String flag : List.of("--concurrency", "--requests", "--duration-seconds", "--prompt-tokens",
                "--max-new-tokens", "--timeout-seconds", "--stall-seconds")) {
            assertEquals(2, loadtest("127.0.0.1:1", flag, "0"), flag);
            String firstLine = last.firstErrorLine();
            assertEquals("error: " + flag + " must be at least 1, got 0", firstLine);
            assertEquals("", out(), "nothing was run");
        }
    }

    @Test
    void fractionsThatAddUpToOneButForRoundingAreAccepted() throws Exception {
        CommandLine line = Main.commandLine(null, System.out, System.err);
        line.parseArgs("loadtest", "--target", "127.0.0.1:1", "--cancel-fraction", "0.01", "--stall-fraction", "0.2",
                "--deadline-fraction", "0.68", "--malformed-fraction", "0.11");
        LoadtestCommand command = line.getSubcommands().get("loadtest").getCommand();
        CallPlan.Mix mix = command.settings().mix();
        assertTrue(mix.total() > 1, "a little over 1 in doubles: " + mix.total());
        assertEquals(new CallPlan.Mix(0.01, 0.2, 0.68, 0, 0.11), mix);
    }

    @Test
    void aFractionOutsideZeroToOneAndRequestsWithADurationAreUsageErrors() {
        for (String flag : List.of("--cancel-fraction", "--stall-fraction", "--deadline-fraction", "--vanish-fraction",
                "--malformed-fraction")) {
            for (String fraction : List.of("-0.1", "1.5", "NaN")) {
                assertEquals(2, loadtest("127.0.0.1:1", flag, fraction), flag + " " + fraction);
                assertEquals("error: " + flag + " must be between 0 and 1, got " + fraction,
                        last.firstErrorLine());
            }
        }
        assertEquals(2, loadtest("127.0.0.1:1", "--cancel-fraction", "0.5", "--stall-fraction", "0.3",
                "--malformed-fraction", "0.3"));
        assertEquals("error: --cancel-fraction, --stall-fraction, --deadline-fraction, --vanish-fraction and"
                + " --malformed-fraction add up to 1.1: at most 1", last.firstErrorLine());
        assertEquals(2, loadtest("127.0.0.1:1", "--stall-fraction", "0.1", "--stall-seconds", "30", "--timeout-seconds", "30"));
        assertEquals("error: --stall-seconds must be below --timeout-seconds (30), got 30: a stalled call's deadline"
                + " counts its stall", last.firstErrorLine());
        assertEquals(2, loadtest("127.0.0.1:1", "--requests", "3", "--duration-seconds", "1"));
        assertEquals("error: --requests and --duration-seconds cannot be used together",
                last.firstErrorLine());
        assertEquals("", out(), "nothing was run");
    }
}
