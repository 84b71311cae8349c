package dev.gptneo.server;

import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.DType;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the server is told at start-up.
 *
 * @param model a Hugging Face GPT-Neo folder, or synthetic:125m / synthetic:tiny
 * @param backend the compute backend's name (see Backends.names()); null for the fastest available
 * @param dtype the weights' format for synthetic models, or Q8_0 to quantize; null for the default
 * @param backendOptions threads and OpenCL device for the backend
 * @param host the address to listen on
 * @param port the gRPC port (0: any free port)
 * @param metricsPort the Prometheus metrics HTTP port (0: any free port, negative: no metrics)
 * @param maxConcurrent generations run at once; one more is refused
 * @param shutdownGrace how long running generations may go on after shutdown begins
 * @param streamBuffer responses a Generate call queues for a reader that has fallen behind
 *     before its generation pauses
 * @param tokenizer a tokenizer folder to use instead of the model's own; null for the model's
 *     files, else the built-in GPT-2 tokenizer
 */
public record ServerConfig(
        String model,
        String backend,
        DType dtype,
        BackendOptions backendOptions,
        String host,
        int port,
        int metricsPort,
        int maxConcurrent,
        Duration shutdownGrace,
        int streamBuffer,
        Path tokenizer) {

    public static final int DEFAULT_PORT = 50051;
    public static final int DEFAULT_METRICS_PORT = 9464;

    public ServerConfig {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("--max-concurrent must be at least 1, got " + maxConcurrent);
        }
        if (streamBuffer < 1) {
            throw new IllegalArgumentException("the stream buffer must hold at least 1 response, got " + streamBuffer);
        }
    }

    /** Serving {@code model} on the fastest backend available, with the default ports and limits. */
    public static ServerConfig defaults(String model) {
        return new ServerConfig(model, null, null, BackendOptions.DEFAULTS, "0.0.0.0", DEFAULT_PORT, DEFAULT_METRICS_PORT, 4,
                Duration.ofSeconds(10), 16, null);
    }

    public ServerConfig withBackend(String name) {
        return new ServerConfig(model, name, dtype, backendOptions, host, port, metricsPort, maxConcurrent, shutdownGrace,
                streamBuffer, tokenizer);
    }

    public ServerConfig withPorts(String listenHost, int grpcPort, int metrics) {
        return new ServerConfig(model, backend, dtype, backendOptions, listenHost, grpcPort, metrics, maxConcurrent,
                shutdownGrace, streamBuffer, tokenizer);
    }

    public ServerConfig withLimits(int concurrent, Duration grace, int buffer) {
        return new ServerConfig(model, backend, dtype, backendOptions, host, port, metricsPort, concurrent, grace, buffer,
                tokenizer);
    }

    public ServerConfig withCompute(DType format, BackendOptions options) {
        return new ServerConfig(model, backend, format, options, host, port, metricsPort, maxConcurrent,
                shutdownGrace, streamBuffer, tokenizer);
    }

    public ServerConfig withTokenizer(Path folder) {
        return new ServerConfig(model, backend, dtype, backendOptions, host, port, metricsPort, maxConcurrent,
                shutdownGrace, streamBuffer, folder);
    }
}
