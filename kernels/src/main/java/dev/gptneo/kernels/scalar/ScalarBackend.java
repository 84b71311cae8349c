package dev.gptneo.kernels.scalar;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BatchSequence;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HeapRows;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.kernels.Q8Matrix;
import dev.gptneo.kernels.Tensor;
import java.util.List;

/**
 * The readable reference: plain loops, one thread, double accumulators. Every faster backend is
 * tested against this one, so clarity wins over speed here.
 */
public final class ScalarBackend implements Backend {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String description() {
        return "scalar (plain Java reference, 1 thread)";
    }

    @Override
    public Tensor weight(HostTensor source, DType storage) {
        if (storage == DType.Q8_0) {
            return new ScalarTensor.Quantized(Q8Matrix.quantize(source));
        }
        if (storage != source.dtype()) {
            throw new UnsupportedOperationException(
                    "scalar backend keeps weights as stored or quantizes them to Q8_0; cannot convert "
                            + source.name() + " from " + source.dtype() + " to " + storage);
        }
        return new ScalarTensor.Host(source);
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return new ScalarTensor.Floats(rows, cols, new float[Math.multiplyExact(rows, cols)]);
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
        ScalarTensor tok = (ScalarTensor) wte;
        ScalarTensor pos = (ScalarTensor) wpe;
        float[] o = floats(out);
        int dim = out.cols();
        for (int r = 0; r < ids.length; r++) {
            for (int c = 0; c < dim; c++) {
                o[r * dim + c] = tok.get((long) ids[r] * dim + c) + pos.get((long) positions[r] * dim + c);
            }
        }
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out) {
        float[] in = floats(x);
        float[] o = floats(out);
        ScalarTensor g = (ScalarTensor) gamma;
        ScalarTensor b = (ScalarTensor) beta;
        int dim = x.cols();
        for (int r = 0; r < x.rows(); r++) {
            int base = r * dim;
            double mean = 0;
            for (int c = 0; c < dim; c++) {
                mean += in[base + c];
            }
            mean /= dim;
            double var = 0;
            for (int c = 0; c < dim; c++) {
                double d = in[base + c] - mean;
                var += d * d;
            }
            var /= dim;
            double inv = 1.0 / Math.sqrt(var + eps);
            for (int c = 0; c < dim; c++) {
                o[base + c] = (float) ((in[base + c] - mean) * inv * g.get(c) + b.get(c));
            }
        }
    }

    @Override
    public void matmul(Tensor x, Tensor w, Tensor bias, Tensor out) {
        float[] in = floats(x);
        float[] o = floats(out);
        ScalarTensor weight = (ScalarTensor) w;
        ScalarTensor b = (ScalarTensor) bias;
        int k = x.cols();
        int n = w.rows();
        if (w.cols() != k || out.cols() != n || out.rows() != x.rows()) {
            throw new IllegalArgumentException("matmul shapes: x " + x.rows() + "x" + k + ", w "
                    + n + "x" + w.cols() + ", out " + out.rows() + "x" + out.cols());
        }
        for (int r = 0; r < x.rows(); r++) {
            for (int j = 0; j < n; j++) {
                double acc = b == null ? 0 : b.get(j);
                long wBase = (long) j * k;
                for (int i = 0; i < k; i++) {
                    acc += (double) in[r * k + i] * weight.get(wBase + i);
                }
                o[r * n + j] = (float) acc;
            }
        }
    }

    @Override
    public void geluNew(Tensor x) {
        float[] d = floats(x);
        for (int i = 0; i < d.length; i++) {
            double v = d[i];
            d[i] = (float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
        }
    }

    @Override
    public void add(Tensor acc, Tensor x) {
        float[] a = floats(acc);
        float[] b = floats(x);
        HeapRows.checkSameLength(b, a);
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, List<BatchSequence> sequences, int heads, int window,
                          Tensor out) {
        BatchSequence.checkAttention(sequences, q.rows(), window);
        for (BatchSequence s : sequences) {
            attend(q, k, v, s, heads, window, out);
        }
    }

    /** One sequence: its rows of q against its positions, fresh (k, v) or cached. */
    private static void attend(Tensor q, Tensor k, Tensor v, BatchSequence seq, int heads, int window, Tensor out) {
        float[] qs = floats(q);
        float[] o = floats(out);
        int hidden = q.cols();
        int headDim = hidden / heads;
        int past = seq.past();
        KeyValues kv = new KeyValues(floats(k), floats(v), floats(seq.poolK()), floats(seq.poolV()), seq, hidden);
        double[] scores = new double[past + seq.rows()];
        for (int r = 0; r < seq.rows(); r++) {
            int i = past + r;
            int first = window > 0 ? Math.max(0, i - window + 1) : 0;
            for (int h = 0; h < heads; h++) {
                int qOff = (seq.firstRow() + r) * hidden + h * headDim;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = first; j <= i; j++) {
                    double s = 0;
                    int kOff = kv.offset(j) + h * headDim;
                    float[] keys = kv.keys(j);
                    for (int d = 0; d < headDim; d++) {
                        s += (double) qs[qOff + d] * keys[kOff + d];
                    }
                    scores[j] = s;
                    max = Math.max(max, s);
                }
                double sum = 0;
                for (int j = first; j <= i; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int d = 0; d < headDim; d++) {
                    double acc = 0;
                    for (int j = first; j <= i; j++) {
                        acc += scores[j] * kv.values(j)[kv.offset(j) + h * headDim + d];
                    }
                    o[qOff + d] = (float) (acc / sum);
                }
            }
        }
    }

    /**
     * Where position j of a sequence lives: this call's fresh rows (the sequence's, from its
     * first row), or the row of the pools its block table gives.
     */
    private record KeyValues(float[] k, float[] v, float[] poolK, float[] poolV, BatchSequence seq, int hidden) {
        float[] keys(int j) {
            return j >= seq.past() ? k : poolK;
        }

        float[] values(int j) {
            return j >= seq.past() ? v : poolV;
        }

        int offset(int j) {
            return (j >= seq.past() ? seq.firstRow() + j - seq.past() : seq.row(j)) * hidden;
        }
    }

    @Override
    public void cacheWrite(Tensor k, Tensor v, List<BatchSequence> sequences, int heads) {
        BatchSequence.checkCovers(sequences, k.rows(), "cacheWrite");
        for (BatchSequence s : sequences) {
            HeapRows.cacheWrite(floats(k), floats(v), floats(s.poolK()), floats(s.poolV()), s, k.cols());
        }
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
        HeapRows.copyRows(floats(src), srcRow, floats(dst), dstRow, count, src.cols());
    }

    @Override
    public void free(Tensor tensor) {
        // Heap tensors are reclaimed by the garbage collector.
    }

    @Override
    public void close() {
        // Nothing beyond the heap to release.
    }

    private static float[] floats(Tensor t) {
        if (t instanceof ScalarTensor.Floats f) {
            return f.data();
        }
        throw new IllegalArgumentException("expected an F32 activation tensor, got " + t.dtype()
                + " " + t.rows() + "x" + t.cols());
    }

}
