package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BatchSequence;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.Tensor;
import dev.gptneo.model.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
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
    /**
     * Rows of scratch kept for reuse: several decode batch sizes and a prompt chunk (about 33 KB
     * a row for 125M's blocks, 200 KB a row of logits).
     */
    private static final int SCRATCH_ROWS = 512;
    private final ScratchCache<Activations> activations;
    private final ScratchCache<HeadScratch> heads;

    private GptNeoModel(GptNeoConfig config, Backend backend, WeightSource source, DType quantize) {
        this.config = config;
        this.backend = backend;
        this.source = source;
        this.weights = ModelWeights.load(config, source, backend, quantize);
        this.weightFormat = quantize != null ? quantize : weights.wte().dtype();
        this.queryKeyValue = weights.layers().stream()
                .map(w -> new Tensor[] {w.query(), w.key(), w.value()})
                .toArray(Tensor[][]::new);
        this.activations = new ScratchCache<>(SCRATCH_ROWS, rows -> new Activations(config, backend, rows),
                Activations::free);
        this.heads = new ScratchCache<>(SCRATCH_ROWS, rows -> new HeadScratch(config, backend, rows), HeadScratch::free);
    }

    /**
     * Loads a Hugging Face GPT-Neo folder onto {@code backend}.
     *
     * @param quantize {@link DType#Q8_0} to quantize the matrices at load, or null
     * @throws CheckpointException naming the file and tensor or field that is wrong
     */
    public static GptNeoModel load(Path dir, Backend backend, DType quantize) {
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

    /**
     * A cache for one sequence of up to max_position_embeddings positions, on a pool of its own
     * that is freed with it: for callers that run one sequence at a time.
     */
    public KvCache newCache() {
        return newCache(config.maxPositions());
    }

    /** A cache for one sequence of up to {@code positions} positions, on a pool of its own. */
    public KvCache newCache(int positions) {
        return new KvCache(newKvPool(KvBlockPool.blocksFor(config, positions)), true);
    }

    /** A pool of {@code blocks} blocks for the caches of many sequences ({@link KvBlockPool#newCache}), allocated now. */
    public KvBlockPool newKvPool(int blocks) {
        return new KvBlockPool(config, backend, blocks);
    }

    /**
     * Runs {@code ids} at the next positions of {@code cache}, extends the cache, and writes the
     * logits of the last of them into {@code logits} (vocab_size floats): a batch of one sequence.
     *
     * @throws IllegalArgumentException when the positions would pass max_position_embeddings or
     *     an id is outside the vocabulary
     */
    public void forward(KvCache cache, int[] ids, float[] logits) {
        forward(Batch.of(cache, ids), new float[][] {logits});
    }

    /**
     * One pass over the weights for every row of {@code batch}: each sequence's rows attend to
     * that sequence's cache, which is then extended by them (taking the blocks it needs, unless
     * {@link KvCache#reserve} took them already). {@code logits[i]} (vocab_size floats)
     * receives the logits of the i-th row, in row order, that wants them.
     *
     * @throws IllegalArgumentException before any work when a sequence does not continue where
     *     its cache ends, a position would pass max_position_embeddings, an id is outside the
     *     vocabulary, or {@code logits} is not one array per wanted row
     * @throws KvPoolExhaustedException before any work when a cache's pool lacks the blocks its
     *     new positions need (the caches of earlier sequences may have taken theirs)
     */
    public void forward(Batch batch, float[][] logits) {
        checkFits(batch, logits);
        for (Batch.Sequence s : batch.sequences()) {
            KvCache cache = s.cache();
            int positions = cache.length() + s.rows();
            if (!cache.reserve(positions)) {
                throw new KvPoolExhaustedException(cache.blocksNeeded(positions), cache.pool());
            }
        }
        Activations a = activations.get(batch.rows());
        backend.embed(weights.wte(), weights.wpe(), batch.ids(), batch.positions(), a.x);
        for (int l = 0; l < config.layers(); l++) {
            block(weights.layers().get(l), queryKeyValue[l], layout(batch, l), l, a);
        }
        if (batch.logitRows() > 0) {
            head(batch, a.x, logits);
        }
        for (Batch.Sequence s : batch.sequences()) {
            s.cache().advance(s.rows());
        }
    }

    private void checkFits(Batch batch, float[][] logits) {
        for (Batch.Sequence s : batch.sequences()) {
            int first = batch.positions()[s.firstRow()];
            if (first != s.cache().length()) {
                throw new IllegalArgumentException("row " + s.firstRow() + " is at position " + first
                        + " but its cache holds " + s.cache().length() + " positions (a sequence continues"
                        + " where its cache ends)");
            }
            if (first + s.rows() > config.maxPositions()) {
                throw new IllegalArgumentException("context of " + (first + s.rows())
                        + " tokens exceeds max_position_embeddings " + config.maxPositions());
            }
        }
        for (int id : batch.ids()) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                        + config.vocabSize() + ")");
            }
        }
        if (logits.length != batch.logitRows()) {
            throw new IllegalArgumentException(logits.length + " logits arrays for the " + batch.logitRows()
                    + " rows that want logits");
        }
        for (float[] row : logits) {
            if (row.length != config.vocabSize()) {
                throw new IllegalArgumentException("a logits array of " + row.length + " floats, expected vocab_size "
                        + config.vocabSize());
            }
        }
    }

    /** The batch's sequences as the backend sees them for one layer: rows, past, that layer's pool and block table. */
    private static List<BatchSequence> layout(Batch batch, int layer) {
        List<BatchSequence> sequences = new ArrayList<>(batch.sequences().size());
        for (Batch.Sequence s : batch.sequences()) {
            KvCache cache = s.cache();
            sequences.add(new BatchSequence(s.firstRow(), s.rows(), cache.length(), cache.pool().keys(layer),
                    cache.pool().values(layer), cache.table(layer), KvBlockPool.BLOCK_SIZE));
        }
        return sequences;
    }

    private void block(LayerWeights w, Tensor[] queryKeyValue, List<BatchSequence> sequences, int layer,
                       Activations a) {
        float eps = config.layerNormEps();
        backend.layerNorm(a.x, w.ln1Gamma(), w.ln1Beta(), eps, a.normed);
        backend.matmulEach(a.normed, queryKeyValue, a.queryKeyValue);
        backend.attention(a.q, a.k, a.v, sequences, config.heads(), config.window(layer), a.attended);
        backend.cacheWrite(a.k, a.v, sequences, config.heads());
        backend.matmul(a.attended, w.outWeight(), w.outBias(), a.projected);
        backend.add(a.x, a.projected);

        backend.layerNorm(a.x, w.ln2Gamma(), w.ln2Beta(), eps, a.normed);
        backend.matmulGelu(a.normed, w.fcWeight(), w.fcBias(), a.mlp);
        backend.matmul(a.mlp, w.projWeight(), w.projBias(), a.projected);
        backend.add(a.x, a.projected);
    }

    /** The final layer norm and the head over the rows that want logits, gathered in runs; one read. */
    private void head(Batch batch, Tensor x, float[][] logits) {
        HeadScratch h = heads.get(batch.logitRows());
        for (int r = 0, to = 0; r < batch.rows(); r++) {
            int from = r;
            while (r < batch.rows() && batch.wantsLogits(r)) {
                r++;
            }
            if (r > from) {
                backend.copyRows(x, from, h.picked, to, r - from);
                to += r - from;
            }
        }
        backend.layerNorm(h.picked, weights.lnfGamma(), weights.lnfBeta(), config.layerNormEps(), h.normed);
        backend.matmul(h.normed, weights.wte(), null, h.logits);
        if (h.host == null) {
            backend.read(h.logits, logits[0]);
            return;
        }
        backend.read(h.logits, h.host);
        int vocab = config.vocabSize();
        for (int i = 0; i < logits.length; i++) {
            System.arraycopy(h.host, i * vocab, logits[i], 0, vocab);
        }
    }

    /** Frees the backend tensors and the host weights; the backend itself stays open. */
    @Override
    public void close() {
        activations.clear();
        heads.clear();
        weights.all().forEach(backend::free);
        source.close();
    }
}
