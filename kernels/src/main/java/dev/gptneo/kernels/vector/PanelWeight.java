package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import dev.gptneo.kernels.DType;
import java.lang.foreign.MemorySegment;

/**
 * An F32 matrix packed once, at load, into the layout {@link Matmul}'s register tiles read: panels
 * of {@link #WIDTH} weight rows (= output columns), each stored column by column, so that step i
 * of a tile's inner loop reads the panel's i-th column as consecutive vectors. Every product,
 * of one row of x or of hundreds, is then the same outer-product tile over the same panels:
 *
 * <ul>
 *   <li>batched decode approaches the FMA peak without packing the weights at every call (packing
 *       cost more than the few tiles of a 16-row step gained; docs/performance.md), and one row
 *       still streams each weight once, sequentially, from one contiguous panel;
 *   <li>each output is summed in one order, over k in turn, whatever the number of rows of x, so
 *       a sequence's logits are the same alone or in any batch (batch invariance).
 * </ul>
 *
 * <p>Each panel is an array of its own, so that a tile indexes its panel from zero: with panels
 * at an offset into one array, C2 kept the array and the offset on the stack and added them at
 * every step of the tile's loop (docs/performance-notes.md). The packed copy is the same size
 * as the checkpoint's tensor, on the heap; the mapped file's pages are read once, while packing.
 * The last panel is padded with zero rows.
 *
 * @param panels {@code panelCount()} arrays of {@code cols × WIDTH} floats: panel p's column i
 *     (weight element {@code (p * WIDTH + c, i)} for c in 0…WIDTH-1) at {@code i * WIDTH}
 */
record PanelWeight(int rows, int cols, float[][] panels) implements Weight {

    /** Weight rows of a panel: one register tile's width of output columns, two vectors (see {@link Matmul#TILE}). */
    static final int WIDTH = 2 * LENGTH;

    /** Packs a row-major little-endian F32 matrix of {@code rows × cols}. */
    static PanelWeight pack(int rows, int cols, MemorySegment data) {
        float[][] panels = new float[Math.ceilDiv(rows, WIDTH)][Math.multiplyExact(cols, WIDTH)];
        float[] row = new float[cols];
        for (int j = 0; j < rows; j++) {
            MemorySegment.copy(data, F32_LE, (long) j * cols * Float.BYTES, row, 0, cols);
            float[] panel = panels[j / WIDTH];
            for (int i = 0, to = j % WIDTH; i < cols; i++, to += WIDTH) {
                panel[to] = row[i];
            }
        }
        return new PanelWeight(rows, cols, panels);
    }

    int panelCount() {
        return panels.length;
    }

    @Override
    public DType dtype() {
        return DType.F32;
    }

    /** Gathers rows back out of their panels (the token embedding's lookups; a few rows a step). */
    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        for (int j = first; j < first + count; j++) {
            int o = offset + (j - first) * cols;
            float[] panel = panels[j / WIDTH];
            for (int i = 0, from = j % WIDTH; i < cols; i++, from += WIDTH) {
                dst[o + i] = panel[from];
            }
        }
    }
}
