package dev.gptneo.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The scan for NaN and infinity finds the first one wherever it lies: in a word of eight bytes or the tail. */
class FiniteValuesTest {

    @Test
    void findsTheFirstNonFiniteValueAtEveryPositionOfEveryStoredFormat() {
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
                for (int size = 1; size <= 11; size++) {
                    assertEquals(-1, FiniteValues.firstNonFinite(tensor(arena, dtype, size, -1, 0)), dtype + " all finite");
                    for (int at = 0; at < size; at++) {
                        for (float value : bad) {
                            HostTensor t = tensor(arena, dtype, size, at, value);
                            assertEquals(at, FiniteValues.firstNonFinite(t), dtype + " " + value + " at " + at + " of " + size);
                        }
                    }
                }
            }
        }
    }

    /** Large finite values (the largest F16, a BF16 near the float maximum) are not mistaken for infinities. */
    @Test
    void theLargestFiniteValuesAreFinite() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(-1, FiniteValues.firstNonFinite(tensor(arena, DType.F16, 5, 2, 65504f)));
            assertEquals(-1, FiniteValues.firstNonFinite(tensor(arena, DType.BF16, 5, 2, -3.3e38f)));
            assertEquals(-1, FiniteValues.firstNonFinite(tensor(arena, DType.F32, 5, 2, Float.MAX_VALUE)));
        }
    }

    /** {@code size} values 0.5, except {@code value} at {@code at} (none when at is -1). */
    private static HostTensor tensor(Arena arena, DType dtype, int size, int at, float value) {
        MemorySegment data = arena.allocate((long) size * dtype.bytes());
        for (int i = 0; i < size; i++) {
            dtype.store(data, i, i == at ? value : 0.5f);
        }
        return new HostTensor("t", dtype, 1, size, data);
    }
}
