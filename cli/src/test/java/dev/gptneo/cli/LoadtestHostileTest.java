package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.grpc.Status;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code loadtest}'s hostile calls against a real server that protects itself: each kind ends as
 * expected, the server frees every slot and KV block, and what a server must not do is counted as
 * unexpected (exit 1).
 */
@Timeout(120)
class LoadtestHostileTest {

    private static final String[] MIX = {"--cancel-fraction", "0.15", "--stall-fraction", "0.1", "--stall-seconds", "3",
            "--deadline-fraction", "0.15", "--vanish-fraction", "0.15", "--malformed-fraction", "0.15"};

    private LoadtestServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private CliRun loadtest(String... args) {
        return CliRun.of(Stream.of(new String[] {"loadtest", "--target", server.target()}, args)
                .flatMap(Stream::of).toArray(String[]::new));
    }

    /** The calls of each kind the run's first {@code calls} plans hold. */
    private static Map<CallKind, Integer> planned(long seed, CallPlan.Mix mix, int maxNewTokens, int calls) {
        CallPlan plan = new CallPlan(seed, mix, maxNewTokens);
        Map<CallKind, Integer> kinds = new EnumMap<>(CallKind.class);
        for (int i = 0; i < calls; i++) {
            kinds.merge(plan.next().kind(), 1, Integer::sum);
        }
        return kinds;
    }

    /** The report's calls of {@code kind}, by status. */
    private static Map<String, Integer> ended(JsonObject report, CallKind kind) {
        JsonObject byStatus = report.getAsJsonObject("calls").getAsJsonObject(kind.label);
        return byStatus == null ? Map.of() : byStatus.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getAsInt()));
    }

    @Test
    void everyKindEndsAsExpectedAndTheServerFreesEverySlotAndBlock() throws Exception {
        // A stall limit well inside the stalled calls' 3 s of reading nothing; room for every slot.
        server = LoadtestServer.production(2, 8, Duration.ofMillis(300));
        Map<CallKind, Integer> planned = planned(5, new CallPlan.Mix(0.15, 0.1, 0.15, 0.15, 0.15), 6, 40);
        assertEquals(Set.of(CallKind.values()), planned.keySet(), "seed 5 plans every kind: " + planned);

        CliRun run = loadtest(Stream.concat(Stream.of(MIX), Stream.of("--seed", "5", "--concurrency", "3",
                "--requests", "40", "--prompt-tokens", "4", "--max-new-tokens", "6", "--json")).toArray(String[]::new));

        assertEquals(0, run.status(), run.err());
        JsonObject report = run.json();
        assertEquals(40, report.get("requests").getAsInt());
        assertEquals(0, report.get("failed").getAsInt(), report.toString());
        assertEquals(new JsonObject(), report.getAsJsonObject("unexpected"));
        for (CallKind kind : CallKind.values()) {
            assertEquals(planned.get(kind), ended(report, kind).values().stream().mapToInt(Integer::intValue).sum(),
                    kind + ": " + report);
        }
        assertEquals(Map.of("OK", planned.get(CallKind.STREAM)), ended(report, CallKind.STREAM));
        assertEquals(Map.of("CANCELLED", planned.get(CallKind.CANCEL)), ended(report, CallKind.CANCEL));
        assertEquals(planned.get(CallKind.CANCEL), report.get("cancelled").getAsInt());
        // Each stalled call asked for 64 tokens, more than its window and the server's queue hold: the
        // generation paused, and the stall limit ended it long before the client read again (a call
        // the loaded machine kept from pausing within the 3 s reads on, and ends OK).
        Map<String, Integer> stalls = ended(report, CallKind.STALL);
        assertTrue(stalls.getOrDefault("ABORTED", 0) >= 1 && Set.of("ABORTED", "OK").containsAll(stalls.keySet()),
                stalls.toString());
        assertEquals(Map.of("DROPPED", planned.get(CallKind.VANISH)), ended(report, CallKind.VANISH));
        assertEquals(Map.of("INVALID_ARGUMENT", planned.get(CallKind.MALFORMED)), ended(report, CallKind.MALFORMED));
        assertTrue(Set.of("DEADLINE_EXCEEDED", "OK").containsAll(ended(report, CallKind.DEADLINE).keySet()), report.toString());
        assertEquals(planned.get(CallKind.STREAM), report.get("completed").getAsInt());
        assertEquals(0.1, report.get("stall_fraction").getAsDouble());
        assertEquals(3, report.get("stall_s").getAsInt());

        server.awaitIdle();
        assertEquals(0, server.engineStats().kvBlocksUsed(), "every block back in the pool: " + server.engineStats());
    }

    @Test
    void theTableCountsTheCallsByKindAndStatus() throws Exception {
        server = LoadtestServer.production(2, 8, Duration.ofMillis(300));
        CliRun run = loadtest("--requests", "6", "--prompt-tokens", "4", "--max-new-tokens", "3",
                "--malformed-fraction", "0.5", "--seed", "1");
        assertEquals(0, run.status(), run.err());
        Map<CallKind, Integer> planned = planned(1, new CallPlan.Mix(0, 0, 0, 0, 0.5), 3, 6);
        int malformed = planned.getOrDefault(CallKind.MALFORMED, 0);
        assertTrue(malformed > 0 && malformed < 6, planned.toString());
        assertEquals("calls: stream " + (6 - malformed) + " (OK " + (6 - malformed) + "), malformed " + malformed
                + " (INVALID_ARGUMENT " + malformed + "); unexpected 0", run.out().lines().skip(3).findFirst().orElseThrow());
    }

    @Test
    void aStalledCallHoldsNoLongerThanTheRunHasLeft() throws Exception {
        server = LoadtestServer.production(2, 8, Duration.ofSeconds(30));
        CliRun run = loadtest("--duration-seconds", "1", "--concurrency", "2", "--stall-fraction", "1",
                "--stall-seconds", "60", "--prompt-tokens", "4", "--max-new-tokens", "3", "--json");
        assertEquals(0, run.status(), run.err());
        JsonObject report = run.json();
        assertEquals(Set.of("OK"), ended(report, CallKind.STALL).keySet(), "read before the server's limit: " + report);
        assertTrue(report.get("wall_s").getAsDouble() < 20, "not the 60 s hold: " + report);
    }

    @Test
    void whatTheServerMustNotDoIsUnexpected() throws Exception {
        server = LoadtestServer.recording(2, 8);
        server.refusal = Status.INTERNAL.withDescription("refused by the test");
        CliRun run = loadtest("--requests", "6", "--prompt-tokens", "4", "--max-new-tokens", "3",
                "--malformed-fraction", "1", "--json");
        assertEquals(1, run.status(), run.err());
        JsonObject report = run.json();
        assertEquals(Map.of("INTERNAL", 3, "INVALID_ARGUMENT", 3), ended(report, CallKind.MALFORMED));
        assertEquals("{\"malformed\":{\"INTERNAL\":3}}", report.getAsJsonObject("unexpected").toString());
        assertEquals(3, report.get("failed").getAsInt());
        assertEquals("error: 3 of 6 calls failed: INTERNAL 3", run.firstErrorLine());
    }

    @Test
    void aFloodExpectsRefusalsAndGetsThem() throws Exception {
        server = LoadtestServer.production(1, 0, Duration.ofSeconds(30));
        CliRun run = loadtest("--flood", "--concurrency", "4", "--requests", "12", "--prompt-tokens", "4",
                "--max-new-tokens", "16", "--json");
        assertEquals(0, run.status(), run.err());
        JsonObject report = run.json();
        Map<String, Integer> streams = ended(report, CallKind.STREAM);
        assertEquals(Set.of("OK", "RESOURCE_EXHAUSTED"), streams.keySet(), report.toString());
        assertEquals(12, streams.get("OK") + streams.get("RESOURCE_EXHAUSTED"));
        assertEquals(0, report.get("failed").getAsInt());
        assertTrue(report.get("flood").getAsBoolean());
    }

    @Test
    void aFloodThatIsNeverRefusedFails() throws Exception {
        server = LoadtestServer.production(4, 0, Duration.ofSeconds(30));
        CliRun run = loadtest("--flood", "--concurrency", "2", "--requests", "4", "--max-new-tokens", "2");
        assertEquals(1, run.status(), run.err());
        assertEquals("error: --flood: no call was refused (RESOURCE_EXHAUSTED): --concurrency 2 did not exceed the"
                + " server's --max-concurrent + --max-queued", run.firstErrorLine());
    }
}
