package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.Tensor;

/**
 * Keys and values of the positions processed so far, one pair of backend tensors per layer.
 * Global layers keep every position; local layers keep only the last {@code window_size}, as a
 * ring (position p in row p % window), since nothing older is ever attended to.
 */
public final class KvCache implements AutoCloseable {

    private final Backend backend;
    private final Tensor[] keys;
    private final Tensor[] values;
    private int length;

    KvCache(GptNeoConfig config, Backend backend) {
        this.backend = backend;
        this.keys = new Tensor[config.layers()];
        this.values = new Tensor[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            int capacity = config.localLayers().get(l) ? config.windowSize() : config.maxPositions();
            keys[l] = backend.allocate(capacity, config.hidden());
            values[l] = backend.allocate(capacity, config.hidden());
        }
    }

    /** Positions processed so far; the next token goes to this position. */
    public int length() {
        return length;
    }

    Tensor keys(int layer) {
        return keys[layer];
    }

    Tensor values(int layer) {
        return values[layer];
    }

    void advance(int tokens) {
        length += tokens;
    }

    /** Forgets all positions; the tensors are reused. */
    public void reset() {
        length = 0;
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            backend.free(keys[l]);
            backend.free(values[l]);
        }
    }
}
