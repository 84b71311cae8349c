package dev.gptneo.model;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded random weights of any GPT-Neo shape, made in off-heap memory on request: the real 125M
 * checkpoint's shape without its download, for benchmarks and smoke runs. Matrices are uniform
 * with the standard deviation of GPT-Neo's initialiser (0.02); layer-norm scales are near 1.
 * The same seed and name always give the same tensor, whatever order they are asked for in.
 */
public final class SyntheticWeights implements WeightSource {

    private static final float HALF_WIDTH = (float) (0.02 * Math.sqrt(3));

    private final long seed;
    private final DType dtype;
    private final Arena arena = Arena.ofShared();
    private final Map<String, HostTensor> made = new HashMap<>();

    public SyntheticWeights(long seed, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("synthetic weights are made in f32, f16 or bf16, not " + dtype.userName());
        }
        this.seed = seed;
        this.dtype = dtype;
    }

    @Override
    public boolean contains(String name) {
        return name.startsWith("transformer.");
    }

    @Override
    public synchronized HostTensor require(String name, long... shape) {
        return made.computeIfAbsent(name, n -> make(n, shape));
    }

    private HostTensor make(String name, long[] shape) {
        int rows = shape.length == 2 ? Math.toIntExact(shape[0]) : 1;
        int cols = Math.toIntExact(shape[shape.length - 1]);
        long count = (long) rows * cols;
        MemorySegment data = arena.allocate(count * dtype.bytes(), 8);
        SplittableRandom random = new SplittableRandom(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L);
        boolean norm = name.contains("ln_") && name.endsWith(".weight");
        float center = norm ? 1f : 0f;
        float width = shape.length == 2 ? HALF_WIDTH : HALF_WIDTH / 4;
        for (long i = 0; i < count; i++) {
            float value = center + (float) (random.nextDouble() * 2 - 1) * width;
            dtype.store(data, i, value);
        }
        return new HostTensor(name, dtype, rows, cols, data);
    }

    @Override
    public void close() {
        arena.close();
    }
}
