package dev.gptneo.server;

import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.DType;
import dev.gptneo.server.security.SecurityConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the server is told at start-up.
 *
 * @param model a Hugging Face GPT-Neo folder, or synthetic:125m / synthetic:tiny
 * @param backend the compute backend's name (see Backends.names()); null for the fastest available
 * @param dtype the weights' format for synthetic models, or Q8_0 to quantize; null for the default
 * @param backendOptions threads and OpenCL device for the backend
 * @param host the address to listen on (loopback by default: serving to the network is asked for)
 * @param port the gRPC port (0: any free port)
 * @param metricsPort the Prometheus metrics HTTP port (0: any free port, negative: no metrics)
 * @param metricsHost the address the metrics endpoint listens on, apart from {@code host}: the
 *     metrics are plain HTTP without authentication, so they stay on loopback unless asked
 * @param security TLS (mutual with a client CA) and bearer-token authentication of the gRPC port
 * @param maxConcurrent generations run at once; more wait in the queue
 * @param maxQueued generations that may wait for a slot; one more is refused
 * @param maxBatchTokens token rows one engine step runs at most (decode rows first, then prompt
 *     chunks): bounds how long a step takes, so the gap between two tokens of a running stream
 * @param kvCacheMb MiB of the engine's KV block pool; null for the default (half the heap free
 *     once the model is loaded, at most what {@code maxConcurrent} full contexts hold)
 * @param shutdownGrace how long running generations may go on after shutdown begins
 * @param streamBuffer responses a Generate call queues for a reader that has fallen behind
 *     before its generation pauses
 * @param tokenizer a folder of tokenizer files to use instead of the model's own; null: the
 *     model folder's files, else the built-in GPT-2 tokenizer
 * @param stallTimeout how long a Generate call's generation may stay paused for a reader that
 *     takes nothing before it is ended, freeing its slot and KV blocks
 * @param connectionLimits keepalive, idle, age and stream limits of each HTTP/2 connection
 * @param logPrompts whether the request log shows each generation's prompt and text (off: they
 *     are the users' data, and a log outlives the request)
 */
public record ServerConfig(
        String model,
        String backend,
        DType dtype,
        BackendOptions backendOptions,
        String host,
        int port,
        int metricsPort,
        String metricsHost,
        SecurityConfig security,
        int maxConcurrent,
        int maxQueued,
        int maxBatchTokens,
        Integer kvCacheMb,
        Duration shutdownGrace,
        int streamBuffer,
        Path tokenizer,
        Duration stallTimeout,
        ConnectionLimits connectionLimits,
        boolean logPrompts) {

    /** Loopback: a server reachable from the network is asked for with {@code --host 0.0.0.0}. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_METRICS_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 50051;
    public static final int DEFAULT_METRICS_PORT = 9464;
    public static final int DEFAULT_MAX_CONCURRENT = 32;
    public static final int DEFAULT_MAX_QUEUED = 256;
    /**
     * Bounds a step's time, so the gap between two tokens of every running stream: a step of 16
     * decode rows and a 32-token prompt stays within 4× a lone stream's gap on two cores
     * (docs/performance.md), where 256 rows took several times that.
     */
    public static final int DEFAULT_MAX_BATCH_TOKENS = 64;
    public static final int DEFAULT_GRACE_SECONDS = 10;
    public static final int DEFAULT_STREAM_BUFFER = 16;
    /**
     * Long enough for a reader that is slow or briefly busy (a client's GC, a slow network) to
     * go on, short enough that readers which never read hold no slot for long.
     */
    public static final int DEFAULT_STALL_TIMEOUT_SECONDS = 30;

    /** The largest TCP port. */
    private static final int MAX_PORT = 65_535;

    public ServerConfig {
        // Here, not at bind time: InetSocketAddress's own refusal ("port out of range:70000") names no flag.
        if (port < 0 || port > MAX_PORT) {
            throw new IllegalArgumentException("--port must be from 0 to " + MAX_PORT + ", got " + port);
        }
        if (metricsPort > MAX_PORT) {
            throw new IllegalArgumentException("--metrics-port must be at most " + MAX_PORT + " (-1: off), got "
                    + metricsPort);
        }
        checkEngineLimits(maxConcurrent, maxQueued, maxBatchTokens, kvCacheMb);
        if (streamBuffer < 1) {
            throw new IllegalArgumentException("the stream buffer must hold at least 1 response, got " + streamBuffer);
        }
        if (stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("--stall-timeout-seconds must be at least 1, got " + stallTimeout.toSeconds());
        }
    }

    /**
     * The engine's limits, checked as a configuration's are, for a command that runs the engine
     * without a server ({@code generate --prompts-file}).
     *
     * @throws IllegalArgumentException naming the flag at fault
     */
    public static void checkEngineLimits(int maxConcurrent, int maxQueued, int maxBatchTokens, Integer kvCacheMb) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("--max-concurrent must be at least 1, got " + maxConcurrent);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("--max-queued must be at least 0, got " + maxQueued);
        }
        if (maxBatchTokens < maxConcurrent) {
            throw new IllegalArgumentException("--max-batch-tokens must be at least --max-concurrent (" + maxConcurrent
                    + ": each running generation decodes a token per step), got " + maxBatchTokens);
        }
        if (kvCacheMb != null && kvCacheMb < 1) {
            throw new IllegalArgumentException("--kv-cache-mb must be at least 1, got " + kvCacheMb);
        }
    }

    /**
     * Serving {@code model} on the fastest backend available, with the default ports and limits
     * unless set otherwise; {@link Builder#build} validates.
     */
    public static Builder builder(String model) {
        return new Builder(model);
    }

    /** The fields by name, from the defaults. */
    public static final class Builder {
        private final String model;
        private String backend;
        private DType dtype;
        private BackendOptions backendOptions = BackendOptions.DEFAULTS;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private int metricsPort = DEFAULT_METRICS_PORT;
        private String metricsHost = DEFAULT_METRICS_HOST;
        private SecurityConfig security = SecurityConfig.NONE;
        private int maxConcurrent = DEFAULT_MAX_CONCURRENT;
        private int maxQueued = DEFAULT_MAX_QUEUED;
        private int maxBatchTokens = DEFAULT_MAX_BATCH_TOKENS;
        private Integer kvCacheMb;
        private Duration shutdownGrace = Duration.ofSeconds(DEFAULT_GRACE_SECONDS);
        private int streamBuffer = DEFAULT_STREAM_BUFFER;
        private Path tokenizer;
        private Duration stallTimeout = Duration.ofSeconds(DEFAULT_STALL_TIMEOUT_SECONDS);
        private ConnectionLimits connectionLimits = ConnectionLimits.DEFAULTS;
        private boolean logPrompts;

        private Builder(String model) {
            this.model = model;
        }

        public Builder backend(String name) {
            this.backend = name;
            return this;
        }

        public Builder dtype(DType format) {
            this.dtype = format;
            return this;
        }

        public Builder backendOptions(BackendOptions options) {
            this.backendOptions = options;
            return this;
        }

        public Builder host(String listenHost) {
            this.host = listenHost;
            return this;
        }

        public Builder port(int grpcPort) {
            this.port = grpcPort;
            return this;
        }

        public Builder metricsPort(int metrics) {
            this.metricsPort = metrics;
            return this;
        }

        public Builder metricsHost(String listenHost) {
            this.metricsHost = listenHost;
            return this;
        }

        public Builder security(SecurityConfig settings) {
            this.security = settings;
            return this;
        }

        public Builder maxConcurrent(int concurrent) {
            this.maxConcurrent = concurrent;
            return this;
        }

        public Builder maxQueued(int queued) {
            this.maxQueued = queued;
            return this;
        }

        public Builder maxBatchTokens(int tokens) {
            this.maxBatchTokens = tokens;
            return this;
        }

        /** @param mib the KV pool's MiB, or null for the default */
        public Builder kvCacheMb(Integer mib) {
            this.kvCacheMb = mib;
            return this;
        }

        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = grace;
            return this;
        }

        public Builder streamBuffer(int responses) {
            this.streamBuffer = responses;
            return this;
        }

        public Builder tokenizer(Path folder) {
            this.tokenizer = folder;
            return this;
        }

        public Builder stallTimeout(Duration limit) {
            this.stallTimeout = limit;
            return this;
        }

        public Builder connectionLimits(ConnectionLimits limits) {
            this.connectionLimits = limits;
            return this;
        }

        public Builder logPrompts(boolean log) {
            this.logPrompts = log;
            return this;
        }

        /** @throws IllegalArgumentException naming the flag at fault, as the record's constructor does */
        public ServerConfig build() {
            return new ServerConfig(model, backend, dtype, backendOptions, host, port, metricsPort, metricsHost,
                    security, maxConcurrent, maxQueued, maxBatchTokens, kvCacheMb, shutdownGrace, streamBuffer,
                    tokenizer, stallTimeout, connectionLimits, logPrompts);
        }
    }
}
