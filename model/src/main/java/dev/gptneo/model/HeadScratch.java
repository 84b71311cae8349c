package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.Tensor;

/**
 * Scratch for the final layer norm and head over the rows of a batch that want logits: only
 * those rows are gathered, so a prompt's other rows cost no pass over the vocabulary.
 */
final class HeadScratch {
    final int rows;
    final Tensor picked;
    final Tensor normed;
    final Tensor logits;
    /** The logits on the host, split among the caller's arrays; null for one row, read straight into the caller's. */
    final float[] host;
    private final Backend backend;

    HeadScratch(GptNeoConfig c, Backend backend, int rows) {
        this.backend = backend;
        this.rows = rows;
        picked = backend.allocate(rows, c.hidden());
        normed = backend.allocate(rows, c.hidden());
        logits = backend.allocate(rows, c.vocabSize());
        host = rows == 1 ? null : new float[Math.multiplyExact(rows, c.vocabSize())];
    }

    void free() {
        for (Tensor t : new Tensor[] {picked, normed, logits}) {
            backend.free(t);
        }
    }
}
