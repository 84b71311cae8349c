package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.Tensor;

/** Scratch tensors for the blocks of a forward pass over a given number of rows, reused between calls. */
final class Activations {
    final int rows;
    final Tensor x;
    final Tensor normed;
    final Tensor q;
    final Tensor k;
    final Tensor v;
    /** q, k and v, the outputs of one {@code matmulEach}. */
    final Tensor[] queryKeyValue;
    final Tensor attended;
    final Tensor projected;
    final Tensor mlp;
    private final Backend backend;

    Activations(GptNeoConfig c, Backend backend, int rows) {
        this.backend = backend;
        this.rows = rows;
        x = backend.allocate(rows, c.hidden());
        normed = backend.allocate(rows, c.hidden());
        q = backend.allocate(rows, c.hidden());
        k = backend.allocate(rows, c.hidden());
        v = backend.allocate(rows, c.hidden());
        queryKeyValue = new Tensor[] {q, k, v};
        attended = backend.allocate(rows, c.hidden());
        projected = backend.allocate(rows, c.hidden());
        mlp = backend.allocate(rows, c.intermediate());
    }

    void free() {
        for (Tensor t : new Tensor[] {x, normed, q, k, v, attended, projected, mlp}) {
            backend.free(t);
        }
    }
}
