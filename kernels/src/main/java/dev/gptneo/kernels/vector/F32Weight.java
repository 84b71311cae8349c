package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import dev.gptneo.kernels.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** F32 weights in the mapped checkpoint: widening is a plain copy, streaming a plain load. */
record F32Weight(int rows, int cols, MemorySegment data) implements StreamedWeight {

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public void decodeRows(int first, int count, float[] dst, int offset) {
        MemorySegment.copy(data, F32_LE, (long) first * cols * Float.BYTES, dst, offset, count * cols);
    }

    @Override
    public void dot4(float[] x, int xo, int r0, int r1, int r2, int r3, float[] s) {
        long o0 = (long) r0 * cols * Float.BYTES, o1 = (long) r1 * cols * Float.BYTES;
        long o2 = (long) r2 * cols * Float.BYTES, o3 = (long) r3 * cols * Float.BYTES;
        FloatVector c0 = FloatVector.zero(FLOATS), c1 = c0, c2 = c0, c3 = c0;
        int i = 0;
        for (int bound = FLOATS.loopBound(cols); i < bound; i += LENGTH) {
            FloatVector a = FloatVector.fromArray(FLOATS, x, xo + i);
            long step = (long) i * Float.BYTES;
            c0 = a.fma(FloatVector.fromMemorySegment(FLOATS, data, o0 + step, ByteOrder.LITTLE_ENDIAN), c0);
            c1 = a.fma(FloatVector.fromMemorySegment(FLOATS, data, o1 + step, ByteOrder.LITTLE_ENDIAN), c1);
            c2 = a.fma(FloatVector.fromMemorySegment(FLOATS, data, o2 + step, ByteOrder.LITTLE_ENDIAN), c2);
            c3 = a.fma(FloatVector.fromMemorySegment(FLOATS, data, o3 + step, ByteOrder.LITTLE_ENDIAN), c3);
        }
        s[0] = c0.reduceLanes(VectorOperators.ADD);
        s[1] = c1.reduceLanes(VectorOperators.ADD);
        s[2] = c2.reduceLanes(VectorOperators.ADD);
        s[3] = c3.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            s[0] += x[xo + i] * data.get(F32_LE, o0 + (long) i * Float.BYTES);
            s[1] += x[xo + i] * data.get(F32_LE, o1 + (long) i * Float.BYTES);
            s[2] += x[xo + i] * data.get(F32_LE, o2 + (long) i * Float.BYTES);
            s[3] += x[xo + i] * data.get(F32_LE, o3 + (long) i * Float.BYTES);
        }
    }

    @Override
    public long byteSize() {
        return data.byteSize();
    }
}
