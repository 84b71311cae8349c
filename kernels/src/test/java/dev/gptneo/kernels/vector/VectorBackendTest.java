package dev.gptneo.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BatchSequence;
import dev.gptneo.kernels.BatchedAttentionScenario;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.kernels.RandomTensors;
import dev.gptneo.kernels.ScatteredTables;
import dev.gptneo.kernels.Tensor;
import dev.gptneo.kernels.scalar.ScalarBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector kernels against the scalar reference on random shapes, most of them not multiples
 * of the vector length, with 3 threads so that work splits unevenly.
 */
class VectorBackendTest {

    private static final Backend SCALAR = new ScalarBackend();
    private static final VectorBackend VECTOR = new VectorBackend(3);

    @AfterAll
    static void close() {
        VECTOR.close();
    }

    static Stream<Arguments> matmulShapes() {
        Random random = new Random(11);
        // k up to 80 covers the vector tails; 300 also the unrolled main loops (8 vectors a step);
        // n = 150 several prefill panels (the last partial) split over ranges of rows, one row left over.
        return Stream.of(DType.values()).flatMap(dtype -> Stream.of(
                Stream.of(1, 2, 3, 4, 5, 7, 8, 9).map(rows ->
                        Arguments.of(dtype, rows, 1 + random.nextInt(80), 1 + random.nextInt(40))),
                Stream.of(1, 5).map(rows -> Arguments.of(dtype, rows, 300, 6)),
                Stream.of(Arguments.of(dtype, 9, 70, 150)),
                // Every row count up to three tiles and one past (each remainder of a tile, and decode's
                // one-row tiles); k of 300 also a narrow panel's several runs of steps in decode.
                IntStream.rangeClosed(1, 3 * Matmul.TILE + 1).mapToObj(rows ->
                        Arguments.of(dtype, rows, rows % 2 == 0 ? 300 : 67, 45 + rows))).flatMap(s -> s));
    }

    @ParameterizedTest(name = "{0} rows={1} k={2} n={3}")
    @MethodSource("matmulShapes")
    void matmulMatchesScalar(DType dtype, int rows, int k, int n) {
        Random random = new Random(rows * 1000L + k * 10L + n);
        HostTensor w = RandomTensors.host(random, dtype == DType.Q8_0 ? DType.F32 : dtype, n, k, 0.5f);
        HostTensor bias = RandomTensors.host(random, DType.F32, 1, n, 1f);
        float[] x = RandomTensors.floats(random, rows * k);
        for (boolean gelu : new boolean[] {false, true}) {
            float[] expected = product(SCALAR, w, dtype, bias, x, rows, gelu);
            float[] actual = product(VECTOR, w, dtype, bias, x, rows, gelu);
            assertClose(expected, actual, 1e-5 * Math.sqrt(k) + 1e-6, "gelu=" + gelu);
        }
    }

    private static float[] product(Backend b, HostTensor w, DType storage, HostTensor bias, float[] x, int rows,
                                   boolean gelu) {
        Tensor in = b.allocate(rows, w.cols());
        Tensor out = b.allocate(rows, w.rows());
        b.write(in, x);
        Tensor weight = b.weight(w, storage);
        Tensor biasTensor = b.weight(bias, bias.dtype());
        if (gelu) {
            b.matmulGelu(in, weight, biasTensor, out);
        } else {
            b.matmul(in, weight, biasTensor, out);
        }
        return read(b, out);
    }

    /**
     * Batch invariance: each row of a product of many rows is bit for bit the product of that row
     * alone, for every format, at the row counts of in-register, widened-panel and mixed tiles.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void eachRowOfABatchGetsTheProductItGetsAlone(DType dtype) {
        Random random = new Random(dtype.ordinal());
        int k = 300;
        int n = 2 * PanelWeight.WIDTH + 7;
        HostTensor w = RandomTensors.host(random, dtype == DType.Q8_0 ? DType.F32 : dtype, n, k, 0.5f);
        HostTensor bias = RandomTensors.host(random, DType.F32, 1, n, 1f);
        for (int rows : new int[] {2, 3, 4, 5, 6, 7, 8, 9, 11, 16, 33}) {
            float[] x = RandomTensors.floats(random, rows * k);
            float[] together = product(VECTOR, w, dtype, bias, x, rows, false);
            for (int r = 0; r < rows; r++) {
                float[] alone = product(VECTOR, w, dtype, bias, Arrays.copyOfRange(x, r * k, (r + 1) * k), 1, false);
                assertArrayEquals(alone, Arrays.copyOfRange(together, r * n, (r + 1) * n), "row " + r + " of " + rows);
            }
        }
    }

    /**
     * Several weights on one input, as query, key and value are: one task over the panels of all
     * of them, so with 3 threads chunks cross from one weight's panels into the next, at every
     * row count up to three tiles and one past, also with weights of two formats in one call.
     */
    @ParameterizedTest(name = "{0} rows={1}")
    @MethodSource("eachShapes")
    void matmulEachMatchesScalar(DType dtype, int rows) {
        Random random = new Random(dtype.ordinal() * 100L + rows);
        int k = 1 + random.nextInt(120);
        HostTensor[] ws = new HostTensor[4];
        for (int i = 0; i < ws.length; i++) {
            ws[i] = RandomTensors.host(random, dtype == DType.Q8_0 ? DType.F32 : dtype, 30 + random.nextInt(45), k, 0.5f);
        }
        float[] x = RandomTensors.floats(random, rows * k);
        DType[] formats = {dtype, dtype, dtype, dtype};
        for (boolean mixed : new boolean[] {false, true}) {
            if (mixed) {
                ws[2] = RandomTensors.host(random, DType.F32, ws[2].rows(), k, 0.5f);
                formats[2] = DType.F32;
            }
            float[][] expected = each(SCALAR, ws, formats, x, rows);
            float[][] actual = each(VECTOR, ws, formats, x, rows);
            for (int i = 0; i < ws.length; i++) {
                assertClose(expected[i], actual[i], 1e-5 * Math.sqrt(k) + 1e-6,
                        "weight " + i + " of " + ws[i].rows() + "x" + k + (mixed ? ", formats mixed" : ""));
            }
        }
    }

    static Stream<Arguments> eachShapes() {
        return Stream.of(DType.values()).flatMap(dtype -> IntStream.rangeClosed(1, 3 * Matmul.TILE + 1)
                .mapToObj(rows -> Arguments.of(dtype, rows)));
    }

    private static float[][] each(Backend b, HostTensor[] ws, DType[] formats, float[] x, int rows) {
        Tensor in = b.allocate(rows, ws[0].cols());
        b.write(in, x);
        Tensor[] weights = new Tensor[ws.length];
        Tensor[] outs = new Tensor[ws.length];
        for (int i = 0; i < ws.length; i++) {
            weights[i] = b.weight(ws[i], formats[i]);
            outs[i] = b.allocate(rows, ws[i].rows());
        }
        b.matmulEach(in, weights, outs);
        return Stream.of(outs).map(out -> read(b, out)).toArray(float[][]::new);
    }

    /**
     * A vocabulary row (50257, not a whole number of vectors) of small values with one larger
     * value planted, or two equal ones, or NaN beside it: the planted index is the answer, for
     * the scalar loop and the vector one alike.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 17, 25_000, 50_239, 50_240, 50_256})
    void argmaxFindsThePlantedLargestAndTheFirstOfATie(int at) {
        float[] row = new float[50257];
        Random random = new Random(at);
        for (int i = 0; i < row.length; i++) {
            row[i] = random.nextFloat() * 10 - 30;
        }
        row[at] = 5;
        for (Backend b : List.of(SCALAR, VECTOR)) {
            assertEquals(at, b.argmax(row), b + ": the planted largest");
            float[] tie = row.clone();
            int other = at == row.length - 1 ? 0 : row.length - 1;
            tie[other] = 5;
            assertEquals(Math.min(at, other), b.argmax(tie), b + ": the first of two equal");
            float[] nan = row.clone();
            nan[(at + 1) % row.length] = Float.NaN;
            if (at != 0) {
                nan[0] = Float.NaN;
            }
            assertEquals(at, b.argmax(nan), b + ": NaN is never chosen");
        }
    }

    @Test
    void argmaxOfNothingLikelyIsTheFirst() {
        float[] infinite = new float[37];
        Arrays.fill(infinite, Float.NEGATIVE_INFINITY);
        float[] nan = new float[37];
        Arrays.fill(nan, Float.NaN);
        for (Backend b : List.of(SCALAR, VECTOR)) {
            assertEquals(0, b.argmax(infinite), b + ": all -inf");
            assertEquals(0, b.argmax(nan), b + ": all NaN");
            assertEquals(0, b.argmax(new float[] {3}), b + ": one value");
        }
    }

    @Test
    void matmulEachNamesWhatDoesNotFit() {
        Tensor x = VECTOR.allocate(1, 8);
        Tensor w = VECTOR.weight(RandomTensors.host(new Random(2), DType.F32, 4, 8, 1f), DType.F32);
        Tensor narrow = VECTOR.weight(RandomTensors.host(new Random(3), DType.F32, 4, 9, 1f), DType.F32);
        var count = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.matmulEach(x, new Tensor[] {w, w}, new Tensor[] {VECTOR.allocate(1, 4)}));
        assertTrue(count.getMessage().contains("2 weights but 1 outputs"), count.getMessage());
        var shape = assertThrows(IllegalArgumentException.class, () -> VECTOR.matmulEach(x,
                new Tensor[] {w, narrow}, new Tensor[] {VECTOR.allocate(1, 4), VECTOR.allocate(1, 4)}));
        assertTrue(shape.getMessage().contains("x 1x8, w 4x9"), shape.getMessage());
    }

    @Test
    void matmulWithoutBiasAtVectorMultiples() {
        Random random = new Random(5);
        HostTensor w = RandomTensors.host(random, DType.BF16, 48, 64, 0.5f);
        float[] x = RandomTensors.floats(random, 12 * 64);
        float[][] results = new float[2][];
        Backend[] backends = {SCALAR, VECTOR};
        for (int i = 0; i < 2; i++) {
            Tensor in = backends[i].allocate(12, 64);
            Tensor out = backends[i].allocate(12, 48);
            backends[i].write(in, x);
            backends[i].matmul(in, backends[i].weight(w, DType.BF16), null, out);
            results[i] = read(backends[i], out);
        }
        assertClose(results[0], results[1], 1e-4, "");
    }

    /** Decode products read rows wherever the checkpoint put them: every placement in a cache line gives the scalar result. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void decodeMatchesScalarWhereverTheWeightsSit(DType dtype) {
        Random random = new Random(17);
        for (int k : new int[] {96, 320, 70}) {
            HostTensor w = RandomTensors.host(random, dtype, 5, k, 0.5f);
            HostTensor bias = RandomTensors.host(random, DType.F32, 1, 5, 1f);
            float[] x = RandomTensors.floats(random, 2 * k);
            float[] expected = product(SCALAR, w, dtype, bias, x, 2, false);
            MemorySegment lines = Arena.ofAuto().allocate(w.data().byteSize() + 64, 64);
            for (int offset : new int[] {0, 2, 8, 16, 32, 48}) {
                MemorySegment placed = lines.asSlice(offset, w.data().byteSize()).copyFrom(w.data());
                HostTensor moved = new HostTensor("placed", dtype, w.rows(), w.cols(), placed);
                assertClose(expected, product(VECTOR, moved, dtype, bias, x, 2, false), 1e-5 * Math.sqrt(k) + 1e-6,
                        "k=" + k + " at " + offset + " bytes into a line");
            }
        }
    }

    @Test
    void mismatchedShapesAreNamed() {
        Tensor x = VECTOR.allocate(2, 8);
        Tensor w = VECTOR.weight(RandomTensors.host(new Random(1), DType.F32, 4, 9, 1f), DType.F32);
        var e = assertThrows(IllegalArgumentException.class, () -> VECTOR.matmul(x, w, null, VECTOR.allocate(2, 4)));
        assertTrue(e.getMessage().contains("x 2x8, w 4x9"), e.getMessage());
        Tensor k = VECTOR.allocate(3, 12);
        var cache = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.cacheWrite(k, k, List.of(new BatchSequence(0, 3, 0, VECTOR.allocate(8, 16),
                        VECTOR.allocate(8, 16), new int[] {1}, 4)), 3));
        assertTrue(cache.getMessage().contains("k 3x12") && cache.getMessage().contains("pool 8x16"), cache.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void embeddingAndLayerNormMatchScalar(DType dtype) {
        Random random = new Random(dtype.ordinal());
        int dim = 37;
        HostTensor wte = RandomTensors.host(random, dtype, 50, dim, 1f);
        HostTensor wpe = RandomTensors.host(random, dtype, 20, dim, 1f);
        HostTensor gamma = RandomTensors.host(random, dtype, 1, dim, 1f);
        HostTensor beta = RandomTensors.host(random, dtype, 1, dim, 1f);
        int[] ids = {3, 49, 0, 17, 3};
        int[] positions = {5, 6, 7, 8, 19};
        for (DType wteStorage : new DType[] {dtype, DType.Q8_0}) {
            float[][] embedded = new float[2][];
            float[][] normed = new float[2][];
            Backend[] backends = {SCALAR, VECTOR};
            for (int i = 0; i < 2; i++) {
                Backend b = backends[i];
                Tensor x = b.allocate(ids.length, dim);
                Tensor out = b.allocate(ids.length, dim);
                b.embed(b.weight(wte, wteStorage), b.weight(wpe, dtype), ids, positions, x);
                b.layerNorm(x, b.weight(gamma, dtype), b.weight(beta, dtype), 1e-5f, out);
                embedded[i] = read(b, x);
                normed[i] = read(b, out);
            }
            assertClose(embedded[0], embedded[1], 1e-6, "embed " + wteStorage);
            assertClose(normed[0], normed[1], 1e-5, "layer norm " + wteStorage);
        }
    }

    @Test
    void geluAndAddMatchScalar() {
        Random random = new Random(8);
        float[] a = RandomTensors.floats(random, 3 * 41);
        float[] b = RandomTensors.floats(random, 3 * 41);
        for (int i = 0; i < a.length; i += 7) {
            a[i] *= 8; // the tails of tanh
        }
        float[][] results = new float[2][];
        Backend[] backends = {SCALAR, VECTOR};
        for (int i = 0; i < 2; i++) {
            Tensor x = backends[i].allocate(3, 41);
            Tensor y = backends[i].allocate(3, 41);
            backends[i].write(x, a);
            backends[i].write(y, b);
            backends[i].geluNew(x);
            backends[i].add(x, y);
            results[i] = read(backends[i], x);
        }
        assertClose(results[0], results[1], 1e-6, "");
    }

    static Stream<Arguments> attentionCases() {
        // heads, headDim, window (0 = global), past, rows
        return Stream.of(
                Arguments.of(1, 16, 0, 0, 1), Arguments.of(2, 7, 0, 0, 9), Arguments.of(3, 16, 0, 5, 1),
                Arguments.of(4, 20, 0, 11, 6), Arguments.of(2, 16, 4, 0, 9), Arguments.of(3, 9, 4, 7, 1),
                Arguments.of(2, 33, 6, 13, 5), Arguments.of(1, 16, 3, 2, 12),
                Arguments.of(2, 16, 0, 5, 37), Arguments.of(3, 20, 8, 4, 40), Arguments.of(1, 64, 0, 0, 70),
                Arguments.of(2, 9, 30, 3, 50),
                // blocks of four queries and single ones, against a ring that wraps, at 125M's head size
                Arguments.of(2, 64, 8, 21, 13), Arguments.of(2, 64, 0, 45, 7), Arguments.of(1, 64, 40, 100, 1));
    }

    /** One sequence, its blocks of 16 positions scattered through the pool ({@link ScatteredTables}). */
    @ParameterizedTest(name = "heads={0} headDim={1} window={2} past={3} rows={4}")
    @MethodSource("attentionCases")
    void attentionMatchesScalar(int heads, int headDim, int window, int past, int rows) {
        Random random = new Random(heads * 31L + headDim + window * 7L + past * 3L + rows);
        int hidden = heads * headDim;
        ScatteredTables tables = ScatteredTables.of(random, 16, window, past + rows);
        float[] earlierK = RandomTensors.floats(random, past * hidden);
        float[] earlierV = RandomTensors.floats(random, past * hidden);
        float[] q = RandomTensors.floats(random, rows * hidden);
        float[] k = RandomTensors.floats(random, rows * hidden);
        float[] v = RandomTensors.floats(random, rows * hidden);
        float[][] results = new float[2][];
        Backend[] backends = {SCALAR, VECTOR};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            Tensor poolK = b.allocate(tables.poolRows(), hidden);
            Tensor poolV = b.allocate(tables.poolRows(), hidden);
            if (past > 0) {
                // The earlier positions reach the cache the way the model writes them.
                b.cacheWrite(filled(b, past, hidden, earlierK), filled(b, past, hidden, earlierV),
                        List.of(tables.sequence(0, 0, past, 0, poolK, poolV)), heads);
            }
            Tensor out = b.allocate(rows, hidden);
            b.attention(filled(b, rows, hidden, q), filled(b, rows, hidden, k), filled(b, rows, hidden, v),
                    List.of(tables.sequence(0, 0, rows, past, poolK, poolV)), heads, window, out);
            results[i] = read(b, out);
        }
        assertClose(results[0], results[1], 2e-5, "");
    }

    static Stream<BatchedAttentionScenario> batches() {
        return BatchedAttentionScenario.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("batches")
    void batchedAttentionAndCacheWritesMatchScalar(BatchedAttentionScenario batch) {
        assertClose(batch.run(SCALAR), batch.run(VECTOR), 2e-5, batch.toString());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x0000, 0x8000, 0x0001, 0x83ff, 0x0400, 0x3c00, 0xbc00, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x7c01})
    void f16WideningIsExactIncludingSubnormalsInfinitiesAndNaN(int bits) {
        int cols = 2 * Lanes.LENGTH + 3; // vector lanes and the scalar tail
        short[] halves = new short[cols];
        Arrays.fill(halves, (short) bits);
        HostTensor host = new HostTensor("f16", DType.F16, 1, cols,
                MemorySegment.ofArray(halves));
        float[] widened = new float[cols];
        ((Weight) VECTOR.weight(host, DType.F16)).decodeRows(0, 1, widened, 0);
        float expected = Float.float16ToFloat((short) bits);
        for (float f : widened) {
            if (Float.isNaN(expected)) {
                // Which NaN is unspecified: the scalar intrinsic quiets signalling NaNs, Java code keeps them.
                assertTrue(Float.isNaN(f), () -> "half 0x" + Integer.toHexString(bits) + " widened to " + f);
                continue;
            }
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(f),
                    () -> "half 0x" + Integer.toHexString(bits) + " widened to " + f + ", expected " + expected);
        }
    }

    private static Tensor filled(Backend b, int rows, int cols, float[] values) {
        Tensor t = b.allocate(rows, cols);
        b.write(t, values);
        return t;
    }

    private static float[] read(Backend b, Tensor t) {
        float[] out = new float[t.rows() * t.cols()];
        b.read(t, out);
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            if (!(Math.abs(expected[i] - actual[i]) <= tolerance * scale)) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " (tolerance " + tolerance + ")");
            }
        }
    }
}
