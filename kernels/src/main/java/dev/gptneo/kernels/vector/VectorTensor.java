package dev.gptneo.kernels.vector;

import dev.gptneo.kernels.Tensor;

/** The vector backend's tensors: float activations on the heap, or weights in their own format. */
sealed interface VectorTensor extends Tensor permits FloatRows, Weight {
}
