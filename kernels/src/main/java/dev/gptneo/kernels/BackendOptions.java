package dev.gptneo.kernels;

/**
 * What a user may tell a backend at creation.
 *
 * @param threads worker threads for CPU backends; 0 means one per available processor
 * @param openclPlatform OpenCL platform index, or -1 for the default choice
 * @param openclDevice OpenCL device index within the platform, or -1 for the default choice
 */
public record BackendOptions(int threads, int openclPlatform, int openclDevice) {

    public static final BackendOptions DEFAULTS = new BackendOptions(0, -1, -1);

    public BackendOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
    }

    /** The worker-thread count to use: {@link #threads}, or the processor count when it is 0. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public BackendOptions withThreads(int n) {
        return new BackendOptions(n, openclPlatform, openclDevice);
    }
}
