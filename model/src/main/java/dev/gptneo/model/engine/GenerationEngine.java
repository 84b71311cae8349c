package dev.gptneo.model.engine;

import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.InvalidRequestException;
import java.time.Duration;

/**
 * Runs generation requests asynchronously on a model that only one thread may drive. Callers
 * submit and get events on their {@link RequestListener}; how requests share the model (one
 * batched step for all that run, in {@link BatchingEngine}) is the implementation's business.
 */
public interface GenerationEngine extends AutoCloseable {

    /**
     * Queues a request for a slot, or refuses it at once: never blocks the caller.
     *
     * @param listener receives the tokens and then exactly one of {@code onFinish} (also for a
     *     cancelled request, with reason CANCELLED) or {@code onFailure}, on the engine's thread
     * @throws InvalidRequestException if the request breaks a rule (nothing was started)
     * @throws OverloadedException if as many requests as allowed are already running and waiting
     * @throws EngineClosedException once shutdown has begun
     */
    GenerationHandle submit(int[] promptIds, GenerationParams params, RequestListener listener);

    /** A snapshot of the requests in the engine. */
    EngineStats stats();

    /**
     * Stops taking requests, lets those queued and running finish for up to {@code grace}, then stops
     * the rest (their listeners get {@code onFailure} with an {@link EngineClosedException}) and
     * returns once the engine's thread has ended and the model is free.
     */
    void shutdown(Duration grace) throws InterruptedException;

    /** Shuts down with no grace: running requests are stopped at once. */
    @Override
    default void close() {
        try {
            shutdown(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
