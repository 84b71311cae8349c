package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import dev.gptneo.kernels.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A BF16 or F16 matrix packed once, at load, into {@link PanelWeight}'s panels, still 16 bits an
 * element. {@link Matmul} runs the F32 tiles over a panel widened into floats in cache (BF16, for
 * a few rows of x, widens in registers: see Matmul), so that these formats too sum every output in
 * one order whatever the number of rows of x (batch invariance), while decode reads two bytes a
 * weight, once, sequentially.
 *
 * <p>A BF16 panel's columns are interleaved in pairs, so that widening needs no conversion of
 * vector shape, which costs a third of decode's bandwidth: an int vector loaded from a step's
 * values holds column {@code j} in the low half of lane j and column {@code j + LENGTH} in the
 * high half; a shift gives the first {@code LENGTH} columns as floats, a mask the next.
 *
 * @param panels {@code ceil(rows / WIDTH) × cols × WIDTH} 16-bit values: the panels end to end
 *     (panel p from {@link #offset}), each laid out as a PanelWeight panel's floats (BF16: each
 *     step's values in {@link #slot} order)
 */
record HalfPanelWeight(DType dtype, int rows, int cols, short[] panels) implements NarrowPanelWeight {

    private static final int HIGH_HALF = 0xFFFF0000;
    /** Shorts as many as a float vector has bytes ÷ 2: one load gives {@link Lanes#LENGTH} pairs. */
    private static final VectorSpecies<Short> PAIRED = VectorSpecies.of(short.class, Lanes.FLOATS.vectorShape());

    HalfPanelWeight {
        if (dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("16-bit panels hold BF16 or F16, not " + dtype);
        }
    }

    /** Packs a row-major little-endian BF16 or F16 matrix of {@code rows × cols}. */
    static HalfPanelWeight pack(DType dtype, int rows, int cols, MemorySegment data) {
        short[] panels = new short[Math.multiplyExact(Math.ceilDiv(rows, PanelWeight.WIDTH) * PanelWeight.WIDTH, cols)];
        short[] row = new short[cols];
        for (int j = 0; j < rows; j++) {
            MemorySegment.copy(data, U16_LE, (long) j * cols * Short.BYTES, row, 0, cols);
            for (int i = 0, to = index(dtype, j, cols); i < cols; i++, to += PanelWeight.WIDTH) {
                panels[to] = row[i];
            }
        }
        return new HalfPanelWeight(dtype, rows, cols, panels);
    }

    /** Where panel {@code p} starts in {@link #panels}, the panels laid end to end. */
    static int offset(int panel, int cols) {
        return panel * cols * PanelWeight.WIDTH;
    }

    /** Where weight row j's element 0 lies in the panels; element i is {@code i × WIDTH} further. */
    private static int index(DType dtype, int j, int cols) {
        int lane = j % PanelWeight.WIDTH;
        return offset(j / PanelWeight.WIDTH, cols) + (dtype == DType.BF16 ? slot(lane) : lane);
    }

    /** A BF16 step's position of panel column c: per pair of float vectors, their columns interleaved. */
    private static int slot(int c) {
        int pair = c / (2 * LENGTH) * (2 * LENGTH);
        int r = c % (2 * LENGTH);
        return pair + (r < LENGTH ? 2 * r : 2 * (r - LENGTH) + 1);
    }

    /**
     * F16 by a plain loop of {@code Float.float16ToFloat}, which C2 compiles to the hardware's
     * conversion ({@code vcvtph2ps}) where the Vector API has none.
     */
    @Override
    public void widen(int p, int step, int steps, float[] dst) {
        int from = offset(p, cols) + step * PanelWeight.WIDTH;
        int n = steps * PanelWeight.WIDTH;
        if (dtype == DType.F16) {
            for (int i = 0; i < n; i++) {
                dst[i] = Float.float16ToFloat(panels[from + i]);
            }
            return;
        }
        for (int i = 0; i < n; i += 2 * LENGTH) { // n is a multiple of WIDTH = 2 × LENGTH
            IntVector pairs = pairs(panels, from + i);
            low(pairs).intoArray(dst, i);
            high(pairs).intoArray(dst, i + LENGTH);
        }
    }

    /**
     * The {@code 2 × LENGTH} BF16 values from index {@code at}, two to an int lane: a short
     * vector as wide as a float vector, reinterpreted (lanes in little-endian order), which
     * costs nothing, where a load of ints through a memory segment over the array is not
     * compiled to one instruction and made decode six times slower.
     */
    static IntVector pairs(short[] values, int at) {
        return ShortVector.fromArray(PAIRED, values, at).reinterpretAsInts();
    }

    /** The columns in the low halves of a BF16 pair vector, as floats. */
    static FloatVector low(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The columns in the high halves of a BF16 pair vector, as floats. */
    static FloatVector high(IntVector pairs) {
        return pairs.lanewise(VectorOperators.AND, HIGH_HALF).reinterpretAsFloats();
    }

    /** Gathers rows back out of their panels (the embeddings' lookups, the one-row parameters). */
    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        for (int j = first; j < first + count; j++) {
            int o = offset + (j - first) * cols;
            for (int i = 0, from = index(dtype, j, cols); i < cols; i++, from += PanelWeight.WIDTH) {
                short bits = panels[from];
                dst[o + i] = dtype == DType.BF16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat(bits);
            }
        }
    }
}
