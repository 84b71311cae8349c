package dev.gptneo.bench.model;

import dev.gptneo.kernels.DType;
import dev.gptneo.model.GptNeoConfig;

/** The work a forward pass of GPT-Neo must do: the bytes a decode step reads, the FLOPs of a prefill. */
final class ModelWork {

    private ModelWork() {
    }

    /** Weights of the matrices of all blocks (q, k, v, out, fc, proj). */
    static long blockWeights(GptNeoConfig c) {
        long h = c.hidden();
        return c.layers() * (4 * h * h + 2 * h * c.intermediate());
    }

    /** Bytes a decode step reads: every block matrix and the head (tied to wte), as stored. */
    static long weightBytesPerToken(GptNeoConfig c, DType format) {
        long h = c.hidden();
        long block = 4 * format.storageBytes(h, h) + format.storageBytes(c.intermediate(), h)
                + format.storageBytes(h, c.intermediate());
        return c.layers() * block + format.storageBytes(c.vocabSize(), h);
    }

    /**
     * FLOPs of a prefill of {@code tokens} tokens from an empty cache: two per block weight per
     * token, the head for the last position only, and attention (q·k and the weighted sum of v,
     * over the positions each row sees).
     */
    static double prefillFlops(GptNeoConfig c, int tokens) {
        double flops = 2.0 * blockWeights(c) * tokens + 2.0 * c.vocabSize() * c.hidden();
        for (int i = 0; i < tokens; i++) {
            flops += 4.0 * c.hidden() * positionsSeen(c, i);
        }
        return flops;
    }

    /**
     * Mean bytes of KV cache a decode step reads, over the steps at positions {@code past …
     * past+steps-1}: the keys and values (floats) of every position each layer's attention sees.
     * Decode must read them as it reads the weights, so they count towards its bytes per token.
     */
    static double kvCacheBytesPerToken(GptNeoConfig c, int past, int steps) {
        double bytes = 0;
        for (int p = past; p < past + steps; p++) {
            bytes += 2.0 * c.hidden() * Float.BYTES * positionsSeen(c, p);
        }
        return bytes / steps;
    }

    /** Positions the query at {@code position} attends to, summed over the layers (local ones see a window). */
    private static long positionsSeen(GptNeoConfig c, int position) {
        long seen = 0;
        for (int layer = 0; layer < c.layers(); layer++) {
            int window = c.window(layer);
            seen += window > 0 ? Math.min(position + 1, window) : position + 1;
        }
        return seen;
    }
}
