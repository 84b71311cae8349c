package dev.gptneo.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Random host tensors in any checkpoint format, for comparing backends. */
public final class RandomTensors {

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
        dtype.encode(values, data);
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
