package dev.gptneo.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BatchSequence;
import dev.gptneo.kernels.BatchedAttentionScenario;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.kernels.Q8Matrix;
import dev.gptneo.kernels.RandomTensors;
import dev.gptneo.kernels.ScatteredTables;
import dev.gptneo.kernels.Tensor;
import dev.gptneo.kernels.scalar.ScalarBackend;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each operation on the OpenCL device against {@link ScalarBackend} on random inputs, over
 * shapes that are not multiples of the work-group sizes (1, primes, just past 64 and 16).
 */
class OpenClBackendTest {

    private static final int[] SIZES = {1, 3, 17, 64, 67, 130};

    private static OpenClBackend ocl;
    private static final ScalarBackend REF = new ScalarBackend();
    private final Random random = new Random(42);

    @BeforeAll
    static void open() {
        ocl = OpenClTestSupport.backendOrSkip();
    }

    @AfterAll
    static void close() {
        if (ocl != null) {
            ocl.close();
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void matmulMatchesReference(DType format) {
        for (int rows : new int[] {1, 2, 17}) {
            for (int k : SIZES) {
                int n = SIZES[random.nextInt(SIZES.length)];
                HostTensor w = host(format, n, k);
                HostTensor bias = random.nextBoolean() ? host(format, 1, n) : null;
                float[] x = floats(rows * k);
                BiConsumer<Backend, Tensor> op = (b, out) -> b.matmul(input(b, rows, k, x),
                        weight(b, w, format), bias == null ? null : b.weight(bias, bias.dtype()), out);
                assertClose(run(REF, rows, n, op), run(ocl, rows, n, op), 1e-5 * k,
                        format + " " + rows + "x" + k + " · " + n + "x" + k);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void layerNormMatchesReference(DType format) {
        for (int cols : SIZES) {
            int rows = 1 + random.nextInt(5);
            HostTensor gamma = host(format, 1, cols);
            HostTensor beta = host(format, 1, cols);
            float[] x = floats(rows * cols);
            BiConsumer<Backend, Tensor> op = (b, out) -> b.layerNorm(input(b, rows, cols, x),
                    b.weight(gamma, format), b.weight(beta, format), 1e-5f, out);
            assertClose(run(REF, rows, cols, op), run(ocl, rows, cols, op), 1e-4, "layerNorm " + rows + "x" + cols);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void embedMatchesReference(DType format) {
        int cols = 67;
        HostTensor wte = host(format, 50, cols);
        HostTensor wpe = host(format, 20, cols);
        int[] ids = {49, 0, 7, 7, 31};
        int[] positions = {3, 4, 5, 19, 0};
        BiConsumer<Backend, Tensor> op = (b, out) ->
                b.embed(weight(b, wte, format), b.weight(wpe, wpe.dtype()), ids, positions, out);
        assertClose(run(REF, ids.length, cols, op), run(ocl, ids.length, cols, op), 0, "embed");
    }

    @Test
    void geluAndAddMatchReference() {
        int rows = 3;
        int cols = 131;
        float[] a = floats(rows * cols);
        float[] c = floats(rows * cols);
        for (int i = 0; i < a.length; i++) {
            a[i] *= 8; // reach both tails of tanh
        }
        BiConsumer<Backend, Tensor> op = (b, out) -> {
            b.write(out, a);
            b.geluNew(out);
            b.add(out, input(b, rows, cols, c));
        };
        assertClose(run(REF, rows, cols, op), run(ocl, rows, cols, op), 1e-5, "gelu + add");
    }

    /**
     * Random pools, which both backends lay out as rows (position-major), read through scattered
     * block tables: local rings wrapped by the positions before the rows.
     */
    @Test
    void attentionMatchesReference() {
        for (int trial = 0; trial < 40; trial++) {
            int heads = 1 + random.nextInt(4);
            int headDim = new int[] {1, 5, 16, 70}[random.nextInt(4)];
            int hidden = heads * headDim;
            int rows = 1 + random.nextInt(6);
            int past = random.nextInt(40);
            int window = random.nextBoolean() ? 0 : 1 + random.nextInt(7);
            int blockSize = new int[] {1, 2, 3, 16}[random.nextInt(4)];
            ScatteredTables tables = ScatteredTables.of(random, blockSize, window, past + rows);
            float[] q = floats(rows * hidden);
            float[] k = floats(rows * hidden);
            float[] v = floats(rows * hidden);
            float[] poolK = floats(tables.poolRows() * hidden);
            float[] poolV = floats(tables.poolRows() * hidden);
            BiConsumer<Backend, Tensor> op = (b, out) -> b.attention(input(b, rows, hidden, q),
                    input(b, rows, hidden, k), input(b, rows, hidden, v), List.of(tables.sequence(0, 0, rows, past,
                            input(b, tables.poolRows(), hidden, poolK), input(b, tables.poolRows(), hidden, poolV))),
                    heads, window, out);
            assertClose(run(REF, rows, hidden, op), run(ocl, rows, hidden, op), 1e-5 * headDim,
                    "attention rows " + rows + " past " + past + " window " + window + " heads " + heads
                            + " headDim " + headDim + " blocks of " + blockSize);
        }
    }

    /** A ring of blocks 2 and 0 (of 2 rows) in a pool of 3 blocks: the whole pool as the reference leaves it. */
    @Test
    void cacheWriteKeepsTheLastCapacityRowsInTheRing() {
        int hidden = 5;
        int poolRows = 6;
        int[] ring = {2, 0};
        for (int rows : new int[] {1, 3, 9}) {
            for (int past : new int[] {0, 2, 7}) {
                float[] k = floats(rows * hidden);
                float[] v = floats(rows * hidden);
                float[] start = floats(poolRows * hidden);
                for (boolean values : new boolean[] {false, true}) {
                    BiConsumer<Backend, Tensor> op = (b, out) -> {
                        Tensor other = input(b, poolRows, hidden, start);
                        b.write(out, start);
                        Tensor keys = input(b, rows, hidden, k);
                        Tensor vals = input(b, rows, hidden, v);
                        Tensor poolK = values ? other : out;
                        Tensor poolV = values ? out : other;
                        b.cacheWrite(keys, vals, List.of(new BatchSequence(0, rows, past, poolK, poolV, ring, 2)), 1);
                    };
                    assertClose(run(REF, poolRows, hidden, op), run(ocl, poolRows, hidden, op), 0,
                            "cacheWrite rows " + rows + " past " + past);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.gptneo.kernels.BatchedAttentionScenario#cases")
    void batchedAttentionAndCacheWritesMatchReference(BatchedAttentionScenario batch) {
        assertClose(batch.run(REF), batch.run(ocl), 1e-5 * batch.headDim(), batch.toString());
    }

    /**
     * Two sequences of one batch, each with a ring of two blocks of 2 rows in one pool of four
     * blocks; the pool rows expected are worked out by hand from Backend's formula.
     */
    @Test
    void cacheWritesOfABatchReachEachSequencesBlocks() {
        int hidden = 3;
        float[] k = floats(8 * hidden);
        float[] v = floats(8 * hidden);
        // Sequence 0, table {3, 1}: batch rows 0 and 1 are positions 5 and 6. Sequence 1, table
        // {0, 2}: batch rows 2…7 are positions 1…6, of which the ring keeps the last four.
        // Position 5 of sequence 0: (5 / 2) % 2 = 0, block 3, row 3·2 + 1 = 7; position 6: block 1, row 2.
        // Sequence 1: position 3 (row 4): block 2, pool row 5; 4 (row 5): block 0, row 0; 5 (row 6):
        // block 0, row 1; 6 (row 7): block 2, row 4. Pool rows 3 and 6 stay zero.
        int[] batchRowOfPoolRow = {5, 6, 1, -1, 7, 4, -1, 0};
        for (Backend b : new Backend[] {REF, ocl}) {
            Tensor poolK = b.allocate(8, hidden);
            Tensor poolV = b.allocate(8, hidden);
            b.cacheWrite(input(b, 8, hidden, k), input(b, 8, hidden, v), List.of(
                    new BatchSequence(0, 2, 5, poolK, poolV, new int[] {3, 1}, 2),
                    new BatchSequence(2, 6, 1, poolK, poolV, new int[] {0, 2}, 2)), 1);
            float[] gotK = new float[8 * hidden];
            float[] gotV = new float[8 * hidden];
            b.read(poolK, gotK);
            b.read(poolV, gotV);
            for (int row = 0; row < 8; row++) {
                int from = batchRowOfPoolRow[row];
                assertArrayEquals(from < 0 ? new float[hidden] : row(k, from, hidden), row(gotK, row, hidden),
                        b.name() + " key row " + row);
                assertArrayEquals(from < 0 ? new float[hidden] : row(v, from, hidden), row(gotV, row, hidden),
                        b.name() + " value row " + row);
            }
        }
    }

    @Test
    void copyRowsAndZeroedAllocation() {
        float[] src = floats(6 * 7);
        BiConsumer<Backend, Tensor> op = (b, out) -> b.copyRows(input(b, 6, 7, src), 2, out, 1, 3);
        float[] actual = run(ocl, 5, 7, op);
        assertArrayEquals(run(REF, 5, 7, op), actual);
        assertEquals(0f, actual[0]);
    }

    @Test
    void rejectsConversionsAndMismatchedShapes() {
        HostTensor w = host(DType.F32, 4, 3);
        UnsupportedOperationException f16 = assertThrows(UnsupportedOperationException.class,
                () -> ocl.weight(w, DType.F16));
        assertTrue(f16.getMessage().contains("from F32 to F16"), f16.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ocl.matmul(ocl.allocate(1, 5), ocl.weight(w, DType.F32), null, ocl.allocate(1, 4)));
    }

    @Test
    void weightFromAHeapSegmentIsCopied() {
        float[] values = {1, 2, 3, 4, 5, 6};
        HostTensor w = new HostTensor("heap", DType.F32, 2, 3, MemorySegment.ofArray(values));
        float[] out = run(ocl, 1, 2, (b, o) -> b.matmul(input(b, 1, 3, new float[] {1, 1, 1}), b.weight(w, DType.F32), null, o));
        assertArrayEquals(new float[] {6, 15}, out);
    }

    private static float[] row(float[] rows, int row, int cols) {
        return Arrays.copyOfRange(rows, row * cols, (row + 1) * cols);
    }

    /**
     * {@code source} stored as {@code storage} on {@code backend}; the reference gets Q8_0
     * matrices dequantized, to check the device's Q8_0 arithmetic against the same values.
     */
    private static Tensor weight(Backend backend, HostTensor source, DType storage) {
        if (backend != REF || storage != DType.Q8_0) {
            return backend.weight(source, storage);
        }
        Q8Matrix q = Q8Matrix.quantize(source);
        float[] values = new float[source.rows() * source.cols()];
        for (int i = 0; i < values.length; i++) {
            values[i] = q.get(i);
        }
        return REF.weight(new HostTensor(source.name(), DType.F32, source.rows(), source.cols(),
                MemorySegment.ofArray(values)), DType.F32);
    }

    /** Runs {@code op} into a fresh {@code rows × cols} output on {@code backend} and reads it. */
    private static float[] run(Backend backend, int rows, int cols, BiConsumer<Backend, Tensor> op) {
        Tensor out = backend.allocate(rows, cols);
        op.accept(backend, out);
        float[] result = new float[rows * cols];
        backend.read(out, result);
        backend.free(out);
        return result;
    }

    private static Tensor input(Backend backend, int rows, int cols, float[] values) {
        Tensor t = backend.allocate(rows, cols);
        backend.write(t, values);
        return t;
    }

    private float[] floats(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    /**
     * A random weight stored off-heap in {@code format}, as a mapped checkpoint would be; F32 for
     * Q8_0, which backends make from a checkpoint format.
     */
    private HostTensor host(DType storage, int rows, int cols) {
        return RandomTensors.host(storage == DType.Q8_0 ? DType.F32 : storage, rows, cols, floats(rows * cols));
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double allowed = tolerance * Math.max(1, Math.abs(expected[i]));
            if (Math.abs(expected[i] - actual[i]) > allowed) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }
}
