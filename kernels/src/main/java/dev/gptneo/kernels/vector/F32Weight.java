package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import dev.gptneo.kernels.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * F32 weights in the mapped checkpoint: widening is a plain copy, streaming a plain load. With
 * several rows of x the weight vector is the receiver of each FMA and the activation load its
 * argument, so each weight vector is loaded once into a register and the activations' loads can
 * fold into the FMAs.
 */
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

    @Override
    public void dotRows2(float[] x, int xo, int from, int to, float[] out, int oo, float[] scratch) {
        int x1 = xo + cols;
        for (int row = from; row < to; row++) {
            long base = (long) row * cols * Float.BYTES;
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int i = 0;
            for (int bound = cols - 4 * LENGTH; i <= bound; i += 4 * LENGTH) {
                FloatVector w0 = load(base, i);
                FloatVector w1 = load(base, i + LENGTH);
                FloatVector w2 = load(base, i + 2 * LENGTH);
                FloatVector w3 = load(base, i + 3 * LENGTH);
                a0 = w0.fma(FloatVector.fromArray(FLOATS, x, xo + i), a0);
                a1 = w1.fma(FloatVector.fromArray(FLOATS, x, xo + i + LENGTH), a1);
                a2 = w2.fma(FloatVector.fromArray(FLOATS, x, xo + i + 2 * LENGTH), a2);
                a3 = w3.fma(FloatVector.fromArray(FLOATS, x, xo + i + 3 * LENGTH), a3);
                b0 = w0.fma(FloatVector.fromArray(FLOATS, x, x1 + i), b0);
                b1 = w1.fma(FloatVector.fromArray(FLOATS, x, x1 + i + LENGTH), b1);
                b2 = w2.fma(FloatVector.fromArray(FLOATS, x, x1 + i + 2 * LENGTH), b2);
                b3 = w3.fma(FloatVector.fromArray(FLOATS, x, x1 + i + 3 * LENGTH), b3);
            }
            for (; i <= cols - LENGTH; i += LENGTH) {
                FloatVector w0 = load(base, i);
                a0 = w0.fma(FloatVector.fromArray(FLOATS, x, xo + i), a0);
                b0 = w0.fma(FloatVector.fromArray(FLOATS, x, x1 + i), b0);
            }
            float s0 = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
            float s1 = b0.add(b1).add(b2.add(b3)).reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                float w = data.get(F32_LE, base + (long) i * Float.BYTES);
                s0 += x[xo + i] * w;
                s1 += x[x1 + i] * w;
            }
            out[oo + row] = s0;
            out[oo + rows + row] = s1;
        }
    }

    @Override
    public void dotRows4(float[] x, int xo, int from, int to, float[] out, int oo, float[] scratch) {
        int x1 = xo + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int row = from; row < to; row++) {
            long base = (long) row * cols * Float.BYTES;
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int i = 0;
            for (int bound = cols - 2 * LENGTH; i <= bound; i += 2 * LENGTH) {
                FloatVector w0 = load(base, i);
                FloatVector w1 = load(base, i + LENGTH);
                a0 = w0.fma(FloatVector.fromArray(FLOATS, x, xo + i), a0);
                a1 = w0.fma(FloatVector.fromArray(FLOATS, x, x1 + i), a1);
                a2 = w0.fma(FloatVector.fromArray(FLOATS, x, x2 + i), a2);
                a3 = w0.fma(FloatVector.fromArray(FLOATS, x, x3 + i), a3);
                b0 = w1.fma(FloatVector.fromArray(FLOATS, x, xo + i + LENGTH), b0);
                b1 = w1.fma(FloatVector.fromArray(FLOATS, x, x1 + i + LENGTH), b1);
                b2 = w1.fma(FloatVector.fromArray(FLOATS, x, x2 + i + LENGTH), b2);
                b3 = w1.fma(FloatVector.fromArray(FLOATS, x, x3 + i + LENGTH), b3);
            }
            if (i <= cols - LENGTH) {
                FloatVector w0 = load(base, i);
                a0 = w0.fma(FloatVector.fromArray(FLOATS, x, xo + i), a0);
                a1 = w0.fma(FloatVector.fromArray(FLOATS, x, x1 + i), a1);
                a2 = w0.fma(FloatVector.fromArray(FLOATS, x, x2 + i), a2);
                a3 = w0.fma(FloatVector.fromArray(FLOATS, x, x3 + i), a3);
                i += LENGTH;
            }
            float s0 = a0.add(b0).reduceLanes(VectorOperators.ADD);
            float s1 = a1.add(b1).reduceLanes(VectorOperators.ADD);
            float s2 = a2.add(b2).reduceLanes(VectorOperators.ADD);
            float s3 = a3.add(b3).reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                float w = data.get(F32_LE, base + (long) i * Float.BYTES);
                s0 += x[xo + i] * w;
                s1 += x[x1 + i] * w;
                s2 += x[x2 + i] * w;
                s3 += x[x3 + i] * w;
            }
            out[oo + row] = s0;
            out[oo + rows + row] = s1;
            out[oo + 2 * rows + row] = s2;
            out[oo + 3 * rows + row] = s3;
        }
    }

    private FloatVector load(long rowBase, int col) {
        return FloatVector.fromMemorySegment(FLOATS, data, rowBase + (long) col * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
    }
}
