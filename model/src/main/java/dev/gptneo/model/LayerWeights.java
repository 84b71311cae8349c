package dev.gptneo.model;

import dev.gptneo.kernels.Tensor;
import java.util.List;

/** One transformer block's weights, as backend tensors. q/k/v carry no bias in GPT-Neo. */
record LayerWeights(
        Tensor ln1Gamma, Tensor ln1Beta,
        Tensor query, Tensor key, Tensor value,
        Tensor outWeight, Tensor outBias,
        Tensor ln2Gamma, Tensor ln2Beta,
        Tensor fcWeight, Tensor fcBias,
        Tensor projWeight, Tensor projBias) {

    List<Tensor> all() {
        return List.of(ln1Gamma, ln1Beta, query, key, value, outWeight, outBias,
                ln2Gamma, ln2Beta, fcWeight, fcBias, projWeight, projBias);
    }
}
