package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which calls {@link CallPlan} makes hostile, how, and when a cancelling or vanishing one is cut short. */
class CallPlanTest {

    private static final int CALLS = 10_000;

    private static CallPlan.Mix cancelling(double fraction) {
        return new CallPlan.Mix(fraction, 0, 0, 0, 0);
    }

    private static CallPlan.Planned[] plans(long seed, CallPlan.Mix mix, int maxNewTokens) {
        CallPlan plan = new CallPlan(seed, mix, maxNewTokens);
        return IntStream.range(0, CALLS).mapToObj(i -> plan.next()).toArray(CallPlan.Planned[]::new);
    }

    private static int[] points(long seed, double fraction, int maxNewTokens) {
        return Arrays.stream(plans(seed, cancelling(fraction), maxNewTokens)).mapToInt(CallPlan.Planned::point).toArray();
    }

    private static long picked(int[] points) {
        return Arrays.stream(points).filter(p -> p != CallPlan.NEVER).count();
    }

    private static Map<CallKind, Integer> kinds(CallPlan.Planned[] plans) {
        Map<CallKind, Integer> kinds = new EnumMap<>(CallKind.class);
        Arrays.stream(plans).forEach(p -> kinds.merge(p.kind(), 1, Integer::sum));
        return kinds;
    }

    @Test
    void theFractionOfCallsIsPickedForEverySeed() {
        for (long seed : new long[] {0, 1, 42}) {
            for (double fraction : new double[] {0.1, 0.25, 0.5, 0.9}) {
                // 4 standard deviations of the binomial count: at most 200 of 10,000 off.
                double slack = 4 * Math.sqrt(CALLS * fraction * (1 - fraction));
                long picked = picked(points(seed, fraction, 16));
                assertEquals(CALLS * fraction, picked, slack, "seed " + seed + ", fraction " + fraction);
            }
        }
    }

    @Test
    void everyKindGetsItsShare() {
        CallPlan.Mix mix = new CallPlan.Mix(0.2, 0.1, 0.15, 0.05, 0.1);
        Map<CallKind, Integer> kinds = kinds(plans(11, mix, 16));
        for (CallKind kind : CallKind.values()) {
            double fraction = mix.fraction(kind);
            double slack = 4 * Math.sqrt(CALLS * fraction * (1 - fraction));
            assertEquals(CALLS * fraction, kinds.getOrDefault(kind, 0), slack, kind.toString());
        }
        assertEquals(0.4, mix.fraction(CallKind.STREAM), 1e-12, "what the others leave");
    }

    @Test
    void noneAndAllAreExact() {
        assertEquals(0, picked(points(3, 0, 16)));
        assertEquals(CALLS, picked(points(3, 1, 16)));
        assertEquals(Map.of(CallKind.STREAM, CALLS), kinds(plans(3, CallPlan.Mix.NONE, 16)));
        assertEquals(Map.of(CallKind.MALFORMED, CALLS), kinds(plans(3, new CallPlan.Mix(0, 0, 0, 0, 1), 16)));
    }

    @Test
    void aPickedCallIsCutShortAtAnyPointBeforeItsLastToken() {
        Set<Integer> seen = new TreeSet<>();
        Arrays.stream(points(5, 1, 8)).forEach(seen::add);
        assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7), seen, "0 to max-new-tokens - 1, each of them");
        assertTrue(Arrays.stream(points(5, 1, 1)).allMatch(p -> p == 0), "one token: cancelled before it");
    }

    @Test
    void onlyCancellingAndVanishingCallsHaveAPoint() {
        for (CallPlan.Planned p : plans(6, new CallPlan.Mix(0.2, 0.2, 0.2, 0.2, 0.1), 8)) {
            boolean cutShort = p.kind() == CallKind.CANCEL || p.kind() == CallKind.VANISH;
            assertTrue(cutShort ? p.point() < 8 : p.point() == CallPlan.NEVER, p.toString());
        }
    }

    @Test
    void theSameSeedPlansTheSameCallsAtTheSamePoints() {
        CallPlan.Mix mix = new CallPlan.Mix(0.2, 0.1, 0.1, 0.1, 0.1);
        assertTrue(Arrays.equals(plans(7, mix, 16), plans(7, mix, 16)));
        assertNotEquals(Arrays.toString(plans(7, mix, 16)), Arrays.toString(plans(8, mix, 16)));
    }

    @Test
    void aLargerFractionCancelsMoreOfTheSameCallsAtTheSamePoints() {
        int[] quarter = points(9, 0.25, 16);
        int[] half = points(9, 0.5, 16);
        for (int i = 0; i < CALLS; i++) {
            assertTrue(quarter[i] == CallPlan.NEVER || quarter[i] == half[i], "call " + i);
        }
        assertTrue(picked(half) > picked(quarter));
    }

    @Test
    void otherKindsLeaveTheCancellationsAsTheyWere() {
        int[] alone = points(4, 0.25, 16);
        CallPlan.Planned[] mixed = plans(4, new CallPlan.Mix(0.25, 0.2, 0.2, 0.1, 0.1), 16);
        for (int i = 0; i < CALLS; i++) {
            assertEquals(alone[i] != CallPlan.NEVER, mixed[i].kind() == CallKind.CANCEL, "call " + i);
            if (alone[i] != CallPlan.NEVER) {
                assertEquals(alone[i], mixed[i].point(), "call " + i);
            }
        }
    }
}
