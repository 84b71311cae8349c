package dev.gptneo.kernels.vector;

import dev.gptneo.kernels.DType;
import java.lang.foreign.MemorySegment;

/**
 * F16 weights in the mapped checkpoint. JDK 25's Vector API has no half-float conversion, but
 * C2 compiles a plain loop of {@code Float.float16ToFloat} to the hardware's (F16C/AVX-512
 * {@code vcvtph2ps}, exact, 16 values per instruction), faster than widening with integer
 * arithmetic. So rows are widened by that loop into a buffer, decode
 * included, and multiplied from there.
 */
record F16Weight(int rows, int cols, MemorySegment data) implements StreamedWeight {

    @Override
    public DType dtype() {
        return DType.F16;
    }

    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        long base = (long) first * cols;
        for (int i = 0, n = count * cols; i < n; i++) {
            dst[offset + i] = Float.float16ToFloat(data.getAtIndex(U16_LE, base + i));
        }
    }

    @Override
    public void dotRows(float[] x, int xo, int from, int to, float[] out, int oo, float[] scratch) {
        for (int row = from; row < to; row++) {
            decodeRows(row, 1, scratch, 0);
            out[oo + row] = VectorMath.dot(x, xo, scratch, 0, cols);
        }
    }

    @Override
    public void dotRows2(float[] x, int xo, int from, int to, float[] out, int oo, float[] scratch) {
        dotRowsOfScratch(x, xo, 2, from, to, out, oo, scratch);
    }

    @Override
    public void dotRows4(float[] x, int xo, int from, int to, float[] out, int oo, float[] scratch) {
        dotRowsOfScratch(x, xo, 4, from, to, out, oo, scratch);
    }

    /** Each row widened into the buffer once, then multiplied from there (in cache) by each row of x. */
    private void dotRowsOfScratch(float[] x, int xo, int xRows, int from, int to, float[] out, int oo, float[] scratch) {
        for (int row = from; row < to; row++) {
            decodeRows(row, 1, scratch, 0);
            for (int r = 0; r < xRows; r++) {
                out[oo + r * rows + row] = VectorMath.dot(x, xo + r * cols, scratch, 0, cols);
            }
        }
    }
}
