package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which calls {@link CancelPlan} picks, and when it cancels them. */
class CancelPlanTest {

    private static final int CALLS = 10_000;

    private static int[] points(long seed, double fraction, int maxNewTokens) {
        CancelPlan plan = new CancelPlan(seed, fraction, maxNewTokens);
        return IntStream.range(0, CALLS).map(i -> plan.next()).toArray();
    }

    private static long picked(int[] points) {
        return Arrays.stream(points).filter(p -> p != CancelPlan.NEVER).count();
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
    void noneAndAllAreExact() {
        assertEquals(0, picked(points(3, 0, 16)));
        assertEquals(CALLS, picked(points(3, 1, 16)));
    }

    @Test
    void aPickedCallIsCutShortAtAnyPointBeforeItsLastToken() {
        Set<Integer> seen = new TreeSet<>();
        Arrays.stream(points(5, 1, 8)).forEach(seen::add);
        assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7), seen, "0 to max-new-tokens - 1, each of them");
        assertTrue(Arrays.stream(points(5, 1, 1)).allMatch(p -> p == 0), "one token: cancelled before it");
    }

    @Test
    void theSameSeedCancelsTheSameCallsAtTheSamePoints() {
        assertTrue(Arrays.equals(points(7, 0.25, 16), points(7, 0.25, 16)));
        assertNotEquals(Arrays.toString(points(7, 0.25, 16)), Arrays.toString(points(8, 0.25, 16)));
    }

    @Test
    void aLargerFractionCancelsMoreOfTheSameCallsAtTheSamePoints() {
        int[] quarter = points(9, 0.25, 16);
        int[] half = points(9, 0.5, 16);
        for (int i = 0; i < CALLS; i++) {
            assertTrue(quarter[i] == CancelPlan.NEVER || quarter[i] == half[i], "call " + i);
        }
        assertTrue(picked(half) > picked(quarter));
    }
}
