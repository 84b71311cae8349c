package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.kernels.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * All weights of a GPT-Neo model on a backend. Loading is all or nothing: every tensor is found
 * and shape-checked before the first is handed to the backend, and a failure while uploading
 * frees what was already uploaded.
 *
 * <p>The output head is tied to the token embedding, as in Hugging Face: a checkpoint's
 * {@code lm_head.weight} (when present) is ignored, as are the old {@code attn.attention.bias}
 * and {@code masked_bias} buffers.
 */
record ModelWeights(Tensor wte, Tensor wpe, List<LayerWeights> layers, Tensor lnfGamma, Tensor lnfBeta) {

    /** Every tensor, for freeing. */
    List<Tensor> all() {
        List<Tensor> all = new ArrayList<>(List.of(wte, wpe, lnfGamma, lnfBeta));
        layers.forEach(l -> all.addAll(l.all()));
        return all;
    }

    /**
     * @param quantize {@link DType#Q8_0} to quantize the matrices, or null to keep stored formats
     */
    static ModelWeights load(GptNeoConfig config, WeightSource source, Backend backend, DType quantize) {
        String prefix = source.contains("transformer.wte.weight") ? "transformer." : "";
        long h = config.hidden();
        long inter = config.intermediate();
        // Look everything up first: a missing or misshapen tensor fails before any upload.
        HostTensor wte = source.require(prefix + "wte.weight", config.vocabSize(), h);
        HostTensor wpe = source.require(prefix + "wpe.weight", config.maxPositions(), h);
        List<HostTensor[]> hostLayers = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            String p = prefix + "h." + i + ".";
            String a = p + "attn.attention.";
            hostLayers.add(new HostTensor[] {
                source.require(p + "ln_1.weight", h), source.require(p + "ln_1.bias", h),
                source.require(a + "q_proj.weight", h, h), source.require(a + "k_proj.weight", h, h),
                source.require(a + "v_proj.weight", h, h),
                source.require(a + "out_proj.weight", h, h), source.require(a + "out_proj.bias", h),
                source.require(p + "ln_2.weight", h), source.require(p + "ln_2.bias", h),
                source.require(p + "mlp.c_fc.weight", inter, h), source.require(p + "mlp.c_fc.bias", inter),
                source.require(p + "mlp.c_proj.weight", h, inter), source.require(p + "mlp.c_proj.bias", h),
            });
        }
        HostTensor lnfGamma = source.require(prefix + "ln_f.weight", h);
        HostTensor lnfBeta = source.require(prefix + "ln_f.bias", h);

        Uploader up = new Uploader(backend, quantize);
        try {
            List<LayerWeights> layers = new ArrayList<>();
            for (HostTensor[] t : hostLayers) {
                layers.add(new LayerWeights(up.vector(t[0]), up.vector(t[1]),
                        up.matrix(t[2]), up.matrix(t[3]), up.matrix(t[4]), up.matrix(t[5]), up.vector(t[6]),
                        up.vector(t[7]), up.vector(t[8]), up.matrix(t[9]), up.vector(t[10]),
                        up.matrix(t[11]), up.vector(t[12])));
            }
            return new ModelWeights(up.matrix(wte), up.vector(wpe), List.copyOf(layers),
                    up.vector(lnfGamma), up.vector(lnfBeta));
        } catch (RuntimeException e) {
            up.freeAll();
            throw e;
        }
    }

    /** Hands host tensors to the backend, remembering them so a failure can undo the upload. */
    private static final class Uploader {
        private final Backend backend;
        private final DType quantize;
        private final List<Tensor> uploaded = new ArrayList<>();

        Uploader(Backend backend, DType quantize) {
            this.backend = backend;
            this.quantize = quantize;
        }

        /** Matrices used in products: quantized when asked. */
        Tensor matrix(HostTensor t) {
            return keep(backend.weight(t, quantize != null ? quantize : t.dtype()));
        }

        /** Biases, norms and position embeddings: always as stored. */
        Tensor vector(HostTensor t) {
            return keep(backend.weight(t, t.dtype()));
        }

        private Tensor keep(Tensor t) {
            uploaded.add(t);
            return t;
        }

        void freeAll() {
            uploaded.forEach(backend::free);
        }
    }
}
