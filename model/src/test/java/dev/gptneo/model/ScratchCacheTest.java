package dev.gptneo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScratchCacheTest {

    private final List<Integer> made = new ArrayList<>();
    private final List<Integer> freed = new ArrayList<>();
    private final ScratchCache<int[]> cache = new ScratchCache<>(10, rows -> {
        made.add(rows);
        return new int[rows];
    }, set -> freed.add(set.length));

    @Test
    void aDecodeLoopWhoseBatchChangesSizeReusesItsSets() {
        int[] three = cache.get(3);
        for (int step = 0; step < 5; step++) {
            assertSame(three, cache.get(3));
            cache.get(2);
            cache.get(4);
        }
        assertEquals(List.of(3, 2, 4), made);
        assertEquals(List.of(), freed);
    }

    @Test
    void theLeastRecentlyUsedGoFirstOverTheBudgetAndTheNewestAlwaysStays() {
        cache.get(4);
        cache.get(5);
        cache.get(4);
        cache.get(3); // 12 rows: 5, the least recently used, goes
        assertEquals(List.of(5), freed);
        cache.get(40); // over the budget alone: kept, everything else freed
        assertEquals(List.of(5, 4, 3), freed);
        cache.get(1);
        assertEquals(List.of(5, 4, 3, 40), freed);
        cache.clear();
        assertEquals(List.of(5, 4, 3, 40, 1), freed);
    }
}
