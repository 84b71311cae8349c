package dev.gptneo.model;

import dev.gptneo.kernels.HostTensor;

/** Where host weights come from: a checkpoint folder, or an in-memory synthetic model. */
public interface WeightSource extends AutoCloseable {

    boolean contains(String name);

    /** The tensor {@code name}, checked to have exactly {@code shape}; a clear error otherwise. */
    HostTensor require(String name, long... shape);

    /** Releases the host memory; no tensor from this source may be used afterwards. */
    @Override
    void close();
}
