package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BatchSequence;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.Tensor;
import dev.gptneo.model.checkpoint.Checkpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The GPT-Neo graph (as Hugging Face's {@code modeling_gpt_neo.py}) over a {@link Backend}:
 * pre-LN blocks, unscaled causal attention alternating global and local layers, a gelu_new MLP,
 * a final layer norm and the head tied to the token embedding.
 *
 * <p>Not thread-safe: one forward pass at a time (a backend is used by one thread at a time).
 */
public final class GptNeoModel implements AutoCloseable {

    private final GptNeoConfig config;
    private final Backend backend;
    private final WeightSource source;
    private final ModelWeights weights;
    private final DType weightFormat;
    /** Per layer: the query, key and value weights, which project the same input in one call. */
    private final Tensor[][] queryKeyValue;
    private Activations oneRow;
    private Activations manyRows;

    private GptNeoModel(GptNeoConfig config, Backend backend, WeightSource source, DType quantize) {
        this.config = config;
        this.backend = backend;
        this.source = source;
        this.weights = ModelWeights.load(config, source, backend, quantize);
        this.weightFormat = quantize != null ? quantize : weights.wte().dtype();
        this.queryKeyValue = weights.layers().stream()
                .map(w -> new Tensor[] {w.query(), w.key(), w.value()})
                .toArray(Tensor[][]::new);
    }

    /**
     * Loads a Hugging Face GPT-Neo folder onto {@code backend}.
     *
     * @param quantize {@link DType#Q8_0} to quantize the matrices at load, or null
     * @throws CheckpointException naming the file and tensor or field that is wrong
     */
    public static GptNeoModel load(Path dir, Backend backend, DType quantize) throws IOException {
        GptNeoConfig config = GptNeoConfig.load(dir);
        Checkpoint checkpoint = Checkpoint.open(dir);
        return fromSource(config, checkpoint, backend, quantize);
    }

    /** A model over any weight source; the model owns and closes the source. */
    public static GptNeoModel fromSource(GptNeoConfig config, WeightSource source, Backend backend, DType quantize) {
        try {
            return new GptNeoModel(config, backend, source, quantize);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    public GptNeoConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    /** The format the matrices are computed in: the checkpoint's, or Q8_0 when quantized. */
    public DType weightFormat() {
        return weightFormat;
    }

    public KvCache newCache() {
        return new KvCache(config, backend);
    }

    /**
     * Runs {@code ids} at the next positions of {@code cache}, extends the cache, and writes the
     * logits of the last of them into {@code logits} (vocab_size floats).
     *
     * @throws IllegalArgumentException when the positions would pass max_position_embeddings or
     *     an id is outside the vocabulary
     */
    public void forward(KvCache cache, int[] ids, float[] logits) {
        int past = cache.length();
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to process");
        }
        if (past + ids.length > config.maxPositions()) {
            throw new IllegalArgumentException("context of " + (past + ids.length)
                    + " tokens exceeds max_position_embeddings " + config.maxPositions());
        }
        for (int id : ids) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                        + config.vocabSize() + ")");
            }
        }
        Activations a = scratch(ids.length);
        for (int r = 0; r < ids.length; r++) {
            a.positions[r] = past + r;
        }
        backend.embed(weights.wte(), weights.wpe(), ids, a.positions, a.x);
        for (int l = 0; l < config.layers(); l++) {
            block(weights.layers().get(l), queryKeyValue[l], cache, l, past, a);
        }
        backend.copyRows(a.x, ids.length - 1, a.last, 0, 1);
        backend.layerNorm(a.last, weights.lnfGamma(), weights.lnfBeta(), config.layerNormEps(), a.lastNormed);
        backend.matmul(a.lastNormed, weights.wte(), null, a.logits);
        backend.read(a.logits, logits);
        cache.advance(ids.length);
    }

    private void block(LayerWeights w, Tensor[] queryKeyValue, KvCache cache, int layer, int past, Activations a) {
        float eps = config.layerNormEps();
        backend.layerNorm(a.x, w.ln1Gamma(), w.ln1Beta(), eps, a.normed);
        backend.matmulEach(a.normed, queryKeyValue, a.queryKeyValue);
        List<BatchSequence> sequence = List.of(new BatchSequence(0, a.rows, past, cache.keys(layer), cache.values(layer)));
        backend.attention(a.q, a.k, a.v, sequence, config.heads(), config.window(layer), a.attended);
        backend.cacheWrite(a.k, a.v, sequence, config.heads());
        backend.matmul(a.attended, w.outWeight(), w.outBias(), a.projected);
        backend.add(a.x, a.projected);

        backend.layerNorm(a.x, w.ln2Gamma(), w.ln2Beta(), eps, a.normed);
        backend.matmulGelu(a.normed, w.fcWeight(), w.fcBias(), a.mlp);
        backend.matmul(a.mlp, w.projWeight(), w.projBias(), a.projected);
        backend.add(a.x, a.projected);
    }

    /** Scratch for {@code rows} rows: decode steps keep one set, prompts share another. */
    private Activations scratch(int rows) {
        if (rows == 1) {
            if (oneRow == null) {
                oneRow = new Activations(config, backend, 1);
            }
            return oneRow;
        }
        if (manyRows == null || manyRows.rows != rows) {
            if (manyRows != null) {
                manyRows.free();
            }
            manyRows = new Activations(config, backend, rows);
        }
        return manyRows;
    }

    /** Frees the backend tensors and the host weights; the backend itself stays open. */
    @Override
    public void close() {
        for (Activations a : new Activations[] {oneRow, manyRows}) {
            if (a != null) {
                a.free();
            }
        }
        weights.all().forEach(backend::free);
        source.close();
    }
}
