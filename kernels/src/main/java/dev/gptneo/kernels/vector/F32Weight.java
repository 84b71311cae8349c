package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import dev.gptneo.kernels.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** F32 weights in the mapped checkpoint: widening is a plain copy, streaming a plain load. */
record F32Weight(int rows, int cols, MemorySegment data) implements Weight {

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        MemorySegment.copy(data, F32_LE, (long) first * cols * Float.BYTES, dst, offset, count * cols);
    }

    @Override
    public void dotRows(float[] x, int xo, int from, int to, float[] out, int oo, float[] scratch) {
        for (int row = from; row < to; row++) {
            long base = (long) row * cols * Float.BYTES;
            FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            int i = 0;
            for (int bound = cols - 8 * LENGTH; i <= bound; i += 8 * LENGTH) {
                c0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(load(base, i), c0);
                c1 = FloatVector.fromArray(FLOATS, x, xo + i + LENGTH).fma(load(base, i + LENGTH), c1);
                c2 = FloatVector.fromArray(FLOATS, x, xo + i + 2 * LENGTH).fma(load(base, i + 2 * LENGTH), c2);
                c3 = FloatVector.fromArray(FLOATS, x, xo + i + 3 * LENGTH).fma(load(base, i + 3 * LENGTH), c3);
                c4 = FloatVector.fromArray(FLOATS, x, xo + i + 4 * LENGTH).fma(load(base, i + 4 * LENGTH), c4);
                c5 = FloatVector.fromArray(FLOATS, x, xo + i + 5 * LENGTH).fma(load(base, i + 5 * LENGTH), c5);
                c6 = FloatVector.fromArray(FLOATS, x, xo + i + 6 * LENGTH).fma(load(base, i + 6 * LENGTH), c6);
                c7 = FloatVector.fromArray(FLOATS, x, xo + i + 7 * LENGTH).fma(load(base, i + 7 * LENGTH), c7);
            }
            for (; i <= cols - LENGTH; i += LENGTH) {
                c0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(load(base, i), c0);
            }
            float sum = c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7))).reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                sum += x[xo + i] * data.get(F32_LE, base + (long) i * Float.BYTES);
            }
            out[oo + row] = sum;
        }
    }

    private FloatVector load(long rowBase, int col) {
        return FloatVector.fromMemorySegment(FLOATS, data, rowBase + (long) col * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
    }
}
