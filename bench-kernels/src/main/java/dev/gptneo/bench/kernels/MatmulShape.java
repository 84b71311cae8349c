package dev.gptneo.bench.kernels;

import dev.gptneo.kernels.DType;

/**
 * A benchmarked product: {@code rows} activations of width {@code k} times a weight of
 * {@code n × k}, written {@code ROWSxKxN} in the benchmark parameters.
 */
record MatmulShape(int rows, int k, int n) {

    static MatmulShape parse(String text) {
        String[] parts = text.split("x");
        if (parts.length != 3) {
            throw new IllegalArgumentException("shape '" + text + "' is not ROWSxKxN");
        }
        return new MatmulShape(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
    }

    double flops() {
        return 2.0 * rows * k * n;
    }

    long weightBytes(DType format) {
        return format.storageBytes(n, k);
    }
}
