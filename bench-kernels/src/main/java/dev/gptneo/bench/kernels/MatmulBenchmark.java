package dev.gptneo.bench.kernels;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.Backends;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.kernels.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A backend's matrix product at GPT-Neo 125M's shapes: decode of one sequence (1 row, memory
 * bound), of several at once (2–32 rows, from memory bound towards FMA bound) and a 512-token
 * prefill (FMA bound). {@link KernelBench} turns the times into GB/s and GFLOP/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
public class MatmulBenchmark {

    /**
     * ROWSxKxN: the matrices of a block (q/k/v/out; 768x2304 is q, k and v side by side, as
     * matmulEach runs them as one task; fc, proj) and the head, at 1–32 rows (decode of one to
     * many sequences at a time) and a 512-token prefill.
     */
    @Param({
        "1x768x768", "2x768x768", "4x768x768", "8x768x768", "16x768x768", "32x768x768",
        "1x768x2304", "2x768x2304", "4x768x2304", "8x768x2304", "16x768x2304", "32x768x2304",
        "1x768x3072", "2x768x3072", "4x768x3072", "8x768x3072", "16x768x3072", "32x768x3072",
        "1x3072x768", "2x3072x768", "4x3072x768", "8x3072x768", "16x3072x768", "32x3072x768",
        "1x768x50257", "2x768x50257", "4x768x50257", "8x768x50257", "16x768x50257", "32x768x50257",
        "512x768x768", "512x768x3072", "512x3072x768"})
    public String shape;

    /** Also {@code f16}, named with {@code -p dtype=f16}. */
    @Param({"f32", "bf16", "q8"})
    public String dtype;

    @Param("vector")
    public String backend;

    /** Worker threads; 0 = one per processor. */
    @Param("0")
    public int threads;

    private Arena arena;
    private Backend kernels;
    private Tensor x;
    private Tensor w;
    private Tensor out;

    @Setup(Level.Trial)
    public void setUp() {
        MatmulShape s = MatmulShape.parse(shape);
        DType format = DType.fromUserName(dtype);
        DType stored = format == DType.Q8_0 ? DType.F32 : format;
        arena = Arena.ofShared();
        kernels = Backends.create(backend, BackendOptions.DEFAULTS.withThreads(threads));
        w = kernels.weight(randomWeight(stored, s.n(), s.k()), format);
        x = kernels.allocate(s.rows(), s.k());
        float[] input = new float[s.rows() * s.k()];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) random.nextDouble(-1, 1);
        }
        kernels.write(x, input);
        out = kernels.allocate(s.rows(), s.n());
    }

    /** Uniform values in ±0.05 (about a trained model's weights), stored as {@code format}. */
    private HostTensor randomWeight(DType format, int rows, int cols) {
        long count = (long) rows * cols;
        MemorySegment data = arena.allocate(count * format.bytes(), 64);
        SplittableRandom random = new SplittableRandom(7);
        for (long i = 0; i < count; i++) {
            format.store(data, i, (float) random.nextDouble(-0.05, 0.05));
        }
        return new HostTensor("w", format, rows, cols, data);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
        arena.close();
    }

    @Benchmark
    public Tensor matmul() {
        kernels.matmul(x, w, null, out);
        return out;
    }
}
