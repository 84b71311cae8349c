package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.gptneo.cli.CallKind.Ending;
import io.grpc.Status;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** How each kind of call may end, in a normal run and in a flood; everything else is unexpected. */
class CallKindTest {

    /** The endings {@code kind} expects, among every status code and the client's own two. */
    private static Set<String> expected(CallKind kind, boolean flood) {
        Set<String> expected = new TreeSet<>();
        for (Status.Code code : Status.Code.values()) {
            if (kind.expects(Ending.of(code), flood)) {
                expected.add(code.name());
            }
        }
        for (Ending own : new Ending[] {Ending.CANCELLED_BY_CLIENT, Ending.DROPPED}) {
            if (kind.expects(own, flood)) {
                expected.add("client's " + own.status());
            }
        }
        return expected;
    }

    @Test
    void eachKindExpectsWhatAProtectedServerGivesIt() {
        Map<CallKind, Set<String>> normal = Map.of(
                CallKind.STREAM, Set.of("OK"),
                CallKind.CANCEL, Set.of("client's CANCELLED"),
                CallKind.STALL, Set.of("ABORTED", "OK"),
                CallKind.DEADLINE, Set.of("DEADLINE_EXCEEDED", "OK"),
                CallKind.VANISH, Set.of("client's DROPPED"),
                CallKind.MALFORMED, Set.of("INVALID_ARGUMENT"));
        for (CallKind kind : CallKind.values()) {
            assertEquals(normal.get(kind), expected(kind, false), kind.toString());
        }
    }

    @Test
    void aFloodAlsoExpectsRefusalsOfEveryCallButAMalformedOne() {
        for (CallKind kind : EnumSet.complementOf(EnumSet.of(CallKind.MALFORMED))) {
            Set<String> flood = expected(kind, true);
            Set<String> normal = new TreeSet<>(expected(kind, false));
            normal.add("RESOURCE_EXHAUSTED");
            assertEquals(normal, flood, kind.toString());
        }
        assertEquals(Set.of("INVALID_ARGUMENT"), expected(CallKind.MALFORMED, true), "refused for its body, before any slot");
    }

    @Test
    void aCancelledStatusTheClientDidNotCauseIsNeverExpected() {
        for (CallKind kind : CallKind.values()) {
            assertFalse(kind.expects(Ending.of(Status.Code.CANCELLED), true), kind.toString());
        }
    }
}
