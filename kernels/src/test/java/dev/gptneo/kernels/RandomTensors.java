package dev.gptneo.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/** Random host tensors in any checkpoint format, for comparing backends. */
public final class RandomTensors {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RandomTensors() {
    }

    /** Gaussian values times {@code scale}, rounded to {@code dtype}, in an automatically freed segment. */
    public static HostTensor host(Random random, DType dtype, int rows, int cols, float scale) {
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return host(dtype, rows, cols, values);
    }

    /** {@code values} (row-major) stored as {@code dtype}. */
    public static HostTensor host(DType dtype, int rows, int cols, float[] values) {
        MemorySegment data = Arena.ofAuto().allocate((long) values.length * dtype.bytes());
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> data.setAtIndex(F32, i, values[i]);
                case F16 -> data.setAtIndex(U16, i, Float.floatToFloat16(values[i]));
                case BF16 -> data.setAtIndex(U16, i, (short) (Float.floatToRawIntBits(values[i]) >>> 16));
                case Q8_0 -> throw new IllegalArgumentException("Q8_0 is not a host format");
            }
        }
        return new HostTensor("random", dtype, rows, cols, data);
    }

    public static float[] floats(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
