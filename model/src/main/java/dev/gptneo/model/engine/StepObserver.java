package dev.gptneo.model.engine;

/**
 * Told about every step an engine runs, on the engine's thread, after the step's model work: for
 * metrics, which must therefore be cheap and must not throw.
 */
@FunctionalInterface
public interface StepObserver {

    /**
     * @param sequences sequences that took part (decoding a token or prefilling a prompt chunk)
     * @param tokens rows of the step's forward pass
     * @param nanos the forward pass's time
     */
    void stepped(int sequences, int tokens, long nanos);
}
