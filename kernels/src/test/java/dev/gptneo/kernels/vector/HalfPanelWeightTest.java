package dev.gptneo.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptneo.kernels.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * 16-bit panels hold each element where {@link PanelWeight} holds its float, and widen to the
 * exact floats the format encodes: bfloat16 as the top half of the float32, F16 as IEEE binary16.
 */
class HalfPanelWeightTest {

    private static final int ROWS = PanelWeight.WIDTH + 5; // a full panel and a padded one
    private static final int COLS = 3;

    /** Element (j, i): a value exact in both formats, negative for odd rows, so signs are checked too. */
    private static float value(int j, int i) {
        return (j % 2 == 0 ? 1 : -1) * (j + i / 4f); // at most 8 significant bits: exact in bfloat16
    }

    private static short encode(DType dtype, float f) {
        return dtype == DType.BF16 ? (short) (Float.floatToIntBits(f) >>> 16) : Float.floatToFloat16(f);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void widensPanelsAndGathersRowsExactly(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate((long) ROWS * COLS * Short.BYTES);
            for (int j = 0; j < ROWS; j++) {
                for (int i = 0; i < COLS; i++) {
                    data.setAtIndex(Weight.U16_LE, (long) j * COLS + i, encode(dtype, value(j, i)));
                }
            }
            HalfPanelWeight w = HalfPanelWeight.pack(dtype, ROWS, COLS, data);
            assertEquals(2 * PanelWeight.WIDTH * COLS, w.panels().length);

            float[] panel = new float[COLS * PanelWeight.WIDTH];
            w.widen(1, 0, COLS, panel);
            // Column 2, lane 3 of panel 1: weight row WIDTH + 3, element 2; lanes past the last row are zero.
            assertEquals(value(PanelWeight.WIDTH + 3, 2), panel[2 * PanelWeight.WIDTH + 3]);
            assertEquals(0, panel[5]);
            w.widen(0, 1, 2, panel); // steps 1 and 2 only: elements 1 and 2 of each row
            for (int c = 0; c < PanelWeight.WIDTH; c++) {
                assertEquals(value(c, 1), panel[c], "row " + c);
                assertEquals(value(c, 2), panel[PanelWeight.WIDTH + c], "row " + c);
            }

            float[] two = new float[2 * COLS];
            w.decodeRows(PanelWeight.WIDTH - 1, 2, two, 0);
            int last = PanelWeight.WIDTH - 1;
            assertArrayEquals(new float[] {value(last, 0), value(last, 1), value(last, 2),
                value(last + 1, 0), value(last + 1, 1), value(last + 1, 2)}, two);
        }
    }

    @Test
    void holdsOnlySixteenBitFormats() {
        assertThrows(IllegalArgumentException.class, () -> new HalfPanelWeight(DType.F32, 1, 1, new short[1]));
    }
}
