package dev.gptneo.model.engine;

/**
 * Requests in an engine at one moment.
 *
 * @param active admitted and not yet finished (including the two kinds below)
 * @param queued admitted, but their prompt has not been processed yet
 * @param paused skipped because their consumer is not ready to take more tokens
 */
public record EngineStats(int active, int queued, int paused) {
}
