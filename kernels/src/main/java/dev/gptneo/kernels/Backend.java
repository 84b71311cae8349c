package dev.gptneo.kernels;

import java.util.List;

/**
 * The arithmetic a transformer needs, on tensors the backend owns. The model graph holds
 * {@link Tensor} handles and calls these operations in order; it never touches elements, so a
 * backend may keep everything on a GPU and only {@link #read} crosses back to the host.
 *
 * <p>Every operation works on a batch of rows (one row per token), so prompt processing and
 * batched decoding share the same calls; the rows may belong to several sequences, which only
 * attention and the cache writes tell apart ({@link BatchSequence}). Unless stated otherwise, {@code out} must not alias an
 * input. Operations may run asynchronously; {@link #read} returns only once all earlier
 * operations that write its source have completed.
 *
 * <p>A backend instance is used by one thread at a time (it may use many internally).
 */
public interface Backend extends AutoCloseable {

    /** The registry name: {@code scalar}, {@code vector}, {@code opencl}. */
    String name();

    /** One line for the start-up log: device, threads, anything a benchmark reader needs. */
    String description();

    /**
     * Takes ownership of a weight. {@code storage} is the source's dtype (keep as is) or
     * {@link DType#Q8_0} (quantize); a backend that cannot store a format says so with an
     * {@link UnsupportedOperationException} naming it.
     */
    Tensor weight(HostTensor source, DType storage);

    /** A new F32 tensor of zeros. */
    Tensor allocate(int rows, int cols);

    /** Copies {@code rows × cols} host floats into an F32 tensor. */
    void write(Tensor dst, float[] src);

    /** Copies an F32 tensor to the host; waits for pending work. */
    void read(Tensor src, float[] dst);

    /** {@code out[r] = wte[ids[r]] + wpe[positions[r]]}. */
    void embed(Tensor wte, Tensor wpe, int[] ids, int[] positions, Tensor out);

    /** Row-wise layer norm: {@code out[r] = (x[r] - mean) / sqrt(var + eps) * gamma + beta}. */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out);

    /**
     * {@code out[r] = x[r] · wᵀ (+ bias)}: {@code w} is {@code n × k} as PyTorch's
     * {@code nn.Linear} stores it, {@code x} is {@code rows × k}, {@code out} {@code rows × n};
     * {@code bias} (one row of n) may be null.
     */
    void matmul(Tensor x, Tensor w, Tensor bias, Tensor out);

    /**
     * {@code outs[i] = x · weights[i]ᵀ} for every i, without bias: several projections of one
     * input, such as attention's query, key and value. A backend may do them as one piece of
     * work (one hand-over to its threads instead of several); by default they are done in turn.
     */
    default void matmulEach(Tensor x, Tensor[] weights, Tensor[] outs) {
        if (weights.length != outs.length) {
            throw new IllegalArgumentException("matmulEach: " + weights.length + " weights but "
                    + outs.length + " outputs");
        }
        for (int i = 0; i < weights.length; i++) {
            matmul(x, weights[i], null, outs[i]);
        }
    }

    /**
     * {@code out = gelu_new(x · wᵀ + bias)}: the MLP's first half. Backends may apply the gelu
     * while the products are still in cache instead of making a second pass over {@code out}.
     */
    default void matmulGelu(Tensor x, Tensor w, Tensor bias, Tensor out) {
        matmul(x, w, bias, out);
        geluNew(out);
    }

    /** In place: {@code x = gelu_new(x)}, the tanh approximation GPT-2 and GPT-Neo use. */
    void geluNew(Tensor x);

    /** In place: {@code acc += x}. */
    void add(Tensor acc, Tensor x);

    /**
     * Causal multi-head attention, without 1/sqrt(d) scaling (GPT-Neo), for every sequence of a
     * batch: each sequence's rows attend only to that sequence's positions.
     *
     * <p>{@code q}, {@code k}, {@code v} are {@code rows × hidden}; {@code sequences} cover their
     * rows in order ({@link BatchSequence#checkAttention}), the rows of one at its positions
     * {@code past … past+rows-1}. Earlier positions come from the layer's paged KV cache: pool
     * tensors of {@code blocks × blockSize} rows of {@code hidden}, shared by every sequence,
     * in which position {@code p} of a sequence lies in row
     * {@code table[(p / blockSize) % table.length] · blockSize + p % blockSize} of its block
     * table ({@link BatchSequence#row}). How a block's rows are laid out is the backend's, as
     * only {@link #cacheWrite} fills them; the cache must already hold every earlier position
     * the mask lets a row see. A row at position {@code i} attends to {@code j ≤ i}, and, when
     * {@code window > 0}, only to {@code j > i - window}. {@code out} is {@code rows × hidden},
     * heads concatenated.
     */
    void attention(Tensor q, Tensor k, Tensor v, List<BatchSequence> sequences, int heads, int window, Tensor out);

    /**
     * Stores each sequence's rows of {@code k} and {@code v} (its positions {@code past…}) in
     * the rows of the pool tensors its block table gives them, as {@link #attention} says; when
     * a sequence has more rows than its table holds ({@link BatchSequence#capacity}, a local
     * ring), only its last {@code capacity} remain. {@code heads} lets a backend keep each
     * head's positions of a block together, as attention reads them.
     */
    void cacheWrite(Tensor k, Tensor v, List<BatchSequence> sequences, int heads);

    /**
     * {@code log Σ exp(values[i])}, computed stably: the normalizer of a token's logprob, over a
     * row of logits already read back to the host. The engine runs it for every sequence of a
     * step while the step's other work waits, so a backend with faster host loops overrides
     * this scalar loop in double.
     */
    default double logSumExp(float[] values) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            max = Math.max(max, v);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            return max; // nothing has any probability
        }
        double sum = 0;
        for (float v : values) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /**
     * The lowest index of the largest of {@code values}, NaN never chosen (0 when every value is
     * NaN or -∞): a greedy step's token, over a row of logits already read back to the host. As
     * with {@link #logSumExp}, the engine runs it for every sequence of a step while the step's
     * other work waits, so a backend with faster host loops overrides this scalar loop.
     */
    default int argmax(float[] values) {
        int best = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            if (values[i] > max) {
                max = values[i];
                best = i;
            }
        }
        return best;
    }

    /** Copies {@code count} rows from {@code src} (starting at {@code srcRow}) into {@code dst}. */
    void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count);

    /** Frees a tensor now rather than when the backend closes. */
    void free(Tensor tensor);

    /** Frees everything this backend owns. */
    @Override
    void close();
}
