package dev.gptneo.kernels.vector;

import static dev.gptneo.kernels.vector.Lanes.FLOATS;
import static dev.gptneo.kernels.vector.Lanes.LENGTH;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BatchSequence;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HeapRows;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.kernels.Q8Matrix;
import dev.gptneo.kernels.Tensor;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The CPU backend on the Vector API (jdk.incubator.vector): SIMD kernels over all cores.
 *
 * <p>Weights keep their stored format (or become Q8_0 when quantized). F32, BF16, F16 and Q8_0
 * matrices are packed at load into the products' panels ({@link PanelWeight},
 * {@link HalfPanelWeight}, {@link Q8PanelWeight}); activations are heap float arrays. The matrix
 * products and attention run on a {@link WorkerPool}; the row-wise operations are a small
 * fraction of the work and run on the calling thread.
 */
public final class VectorBackend implements Backend {

    private final WorkerPool pool;
    private final Matmul matmul;
    private final Attention attention;
    // Parameters widened for the call in progress; grown on demand, never per token.
    private float[] gamma = new float[0];
    private float[] beta = new float[0];
    private float[] bias = new float[0];
    private float[] position = new float[0];
    private Weight[] eachWeights = new Weight[0];
    private FloatRows[] eachOuts = new FloatRows[0];

    public VectorBackend(int threads) {
        pool = new WorkerPool(threads);
        matmul = new Matmul(threads);
        attention = new Attention(threads);
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public String description() {
        return "vector (Vector API, " + FLOATS.vectorBitSize() + "-bit, " + LENGTH + " float lanes, "
                + pool.size() + (pool.size() == 1 ? " thread)" : " threads)");
    }

    @Override
    public Tensor weight(HostTensor source, DType storage) {
        if (storage == DType.Q8_0) {
            return Q8PanelWeight.pack(Q8Matrix.quantize(source));
        }
        if (storage != source.dtype()) {
            throw new UnsupportedOperationException("vector backend keeps weights as stored or quantizes them "
                    + "to Q8_0; cannot convert " + source.name() + " from " + source.dtype() + " to " + storage);
        }
        return switch (source.dtype()) {
            case F32 -> source.rows() > 1
                    ? PanelWeight.pack(source.rows(), source.cols(), source.data())
                    : new F32Weight(source.rows(), source.cols(), source.data());
            case BF16, F16 -> HalfPanelWeight.pack(source.dtype(), source.rows(), source.cols(), source.data());
            case Q8_0 -> throw new AssertionError("HostTensor rejects Q8_0");
        };
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return new FloatRows(rows, cols, new float[Math.multiplyExact(rows, cols)]);
    }

    @Override
    public void write(Tensor dst, float[] src) {
        HeapRows.copyAll(src, floats(dst));
    }

    @Override
    public void read(Tensor src, float[] dst) {
        HeapRows.copyAll(floats(src), dst);
    }

    @Override
    public void embed(Tensor wte, Tensor wpe, int[] ids, int[] positions, Tensor out) {
        Weight tokens = weight(wte);
        Weight places = weight(wpe);
        float[] o = floats(out);
        int dim = out.cols();
        position = ensure(position, dim);
        for (int r = 0; r < ids.length; r++) {
            tokens.decodeRows(ids[r], 1, o, r * dim);
            places.decodeRows(positions[r], 1, position, 0);
            VectorMath.addInto(position, 0, o, r * dim, dim);
        }
    }

    @Override
    public void layerNorm(Tensor x, Tensor gammaTensor, Tensor betaTensor, float eps, Tensor out) {
        float[] in = floats(x);
        float[] o = floats(out);
        int dim = x.cols();
        gamma = widen(gammaTensor, gamma);
        beta = widen(betaTensor, beta);
        for (int r = 0; r < x.rows(); r++) {
            int base = r * dim;
            float mean = VectorMath.sum(in, base, dim) / dim;
            float inv = (float) (1 / Math.sqrt(variance(in, base, dim, mean) + eps));
            int c = 0;
            for (int bound = FLOATS.loopBound(dim); c < bound; c += LENGTH) {
                FloatVector.fromArray(FLOATS, in, base + c).sub(mean).mul(inv)
                        .fma(FloatVector.fromArray(FLOATS, gamma, c), FloatVector.fromArray(FLOATS, beta, c))
                        .intoArray(o, base + c);
            }
            for (; c < dim; c++) {
                o[base + c] = (in[base + c] - mean) * inv * gamma[c] + beta[c];
            }
        }
    }

    /** Mean square deviation from {@code mean}: a second pass, which is exact where E[x²]-mean² is not. */
    private static float variance(float[] a, int base, int dim, float mean) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int c = 0;
        for (int bound = FLOATS.loopBound(dim); c < bound; c += LENGTH) {
            FloatVector d = FloatVector.fromArray(FLOATS, a, base + c).sub(mean);
            acc = d.fma(d, acc);
        }
        float sum = VectorMath.sumLanes(acc);
        for (; c < dim; c++) {
            float d = a[base + c] - mean;
            sum += d * d;
        }
        return sum / dim;
    }

    @Override
    public void matmul(Tensor x, Tensor w, Tensor biasTensor, Tensor out) {
        multiply(x, w, biasTensor, out, false);
    }

    @Override
    public void matmulGelu(Tensor x, Tensor w, Tensor biasTensor, Tensor out) {
        multiply(x, w, biasTensor, out, true);
    }

    @Override
    public void matmulEach(Tensor x, Tensor[] weights, Tensor[] outs) {
        if (weights.length != outs.length) {
            throw new IllegalArgumentException("matmulEach: " + weights.length + " weights but "
                    + outs.length + " outputs");
        }
        if (eachWeights.length != weights.length) { // reused: a decode step allocates nothing
            eachWeights = new Weight[weights.length];
            eachOuts = new FloatRows[weights.length];
        }
        for (int i = 0; i < weights.length; i++) {
            eachWeights[i] = weight(weights[i]);
            eachOuts[i] = activation(outs[i]);
        }
        try {
            matmul.multiplyEach(pool, activation(x), eachWeights, eachOuts);
        } finally {
            Arrays.fill(eachWeights, null);
            Arrays.fill(eachOuts, null);
        }
    }

    private void multiply(Tensor x, Tensor w, Tensor biasTensor, Tensor out, boolean gelu) {
        float[] b = null;
        if (biasTensor != null) {
            bias = widen(biasTensor, bias);
            b = bias;
        }
        matmul.multiply(pool, activation(x), weight(w), b, activation(out), gelu);
    }

    @Override
    public void geluNew(Tensor x) {
        float[] d = floats(x);
        VectorMath.gelu(d, 0, d.length);
    }

    @Override
    public void add(Tensor acc, Tensor x) {
        float[] a = floats(acc);
        float[] b = floats(x);
        HeapRows.checkSameLength(b, a);
        VectorMath.addInto(b, 0, a, 0, a.length);
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, List<BatchSequence> sequences, int heads, int window,
                          Tensor out) {
        attention.attend(pool, activation(q), activation(k), activation(v), sequences, heads, window, activation(out));
    }

    @Override
    public void cacheWrite(Tensor k, Tensor v, List<BatchSequence> sequences, int heads) {
        Attention.cacheWrite(activation(k), activation(v), sequences, heads);
    }

    @Override
    public double logSumExp(float[] values) {
        return VectorMath.logSumExp(values);
    }

    @Override
    public int argmax(float[] values) {
        return VectorMath.argmax(values);
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
        HeapRows.copyRows(floats(src), srcRow, floats(dst), dstRow, count, src.cols());
    }

    @Override
    public void free(Tensor tensor) {
        // Activations, packed and quantized weights are heap arrays; mapped weights belong to their source.
    }

    @Override
    public void close() {
        pool.close();
    }

    /** A one-row parameter (bias, norm weight) widened into {@code into}, grown when too small. */
    private static float[] widen(Tensor parameter, float[] into) {
        Weight p = weight(parameter);
        if (p.rows() != 1) {
            throw new IllegalArgumentException("expected a one-row parameter, got " + p.rows() + "x" + p.cols());
        }
        float[] dst = ensure(into, p.cols());
        p.decodeRows(0, 1, dst, 0);
        return dst;
    }

    private static float[] ensure(float[] array, int length) {
        return array.length >= length ? array : new float[length];
    }

    private static Weight weight(Tensor t) {
        if (t instanceof Weight w) {
            return w;
        }
        throw new IllegalArgumentException("expected a weight made by the vector backend, got "
                + t.getClass().getSimpleName() + " " + t.dtype() + " " + t.rows() + "x" + t.cols());
    }

    static FloatRows activation(Tensor t) {
        if (t instanceof FloatRows a) {
            return a;
        }
        throw new IllegalArgumentException("expected an F32 activation tensor of the vector backend, got "
                + t.getClass().getSimpleName() + " " + t.dtype() + " " + t.rows() + "x" + t.cols());
    }

    private static float[] floats(Tensor t) {
        return activation(t).data();
    }

}
