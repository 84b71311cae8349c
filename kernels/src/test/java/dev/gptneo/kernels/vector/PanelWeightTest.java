package dev.gptneo.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Packing an F32 matrix into panels keeps every element where the tiles and the lookups expect it. */
class PanelWeightTest {

    @Test
    void packsColumnsOfEachPanelAndGathersRowsBack() {
        int rows = PanelWeight.WIDTH + 5; // a full panel and a padded one
        int cols = 3;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate((long) rows * cols * Float.BYTES);
            for (int j = 0; j < rows; j++) {
                for (int i = 0; i < cols; i++) {
                    data.setAtIndex(Weight.F32_LE, (long) j * cols + i, 100 * j + i);
                }
            }
            PanelWeight w = PanelWeight.pack(rows, cols, data);
            assertEquals(2, w.panelCount());
            assertEquals(PanelWeight.WIDTH * cols, w.panels()[1].length);
            // Panel 1, column 2, lane 3: weight row WIDTH + 3, element 2.
            assertEquals(100 * (PanelWeight.WIDTH + 3) + 2, w.panels()[1][2 * PanelWeight.WIDTH + 3]);
            // Lanes past the last row are zero.
            assertEquals(0, w.panels()[1][5]);
            float[] two = new float[2 * cols];
            w.decodeRows(PanelWeight.WIDTH - 1, 2, two, 0);
            float last = 100 * (PanelWeight.WIDTH - 1);
            float next = 100 * PanelWeight.WIDTH;
            assertArrayEquals(new float[] {last, last + 1, last + 2, next, next + 1, next + 2}, two);
        }
    }
}
