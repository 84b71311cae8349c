package dev.gptneo.bench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianOfOddAndEvenCountsLeavesTheInputAlone() {
        double[] values = {5, 1, 3};
        assertEquals(3, Stats.median(values));
        assertArrayEquals(new double[] {5, 1, 3}, values);
        assertEquals(2.5, Stats.median(new double[] {4, 1, 2, 3}));
        assertEquals(7, Stats.median(new double[] {7}));
        assertThrows(IllegalArgumentException.class, () -> Stats.median(new double[0]));
    }
}
