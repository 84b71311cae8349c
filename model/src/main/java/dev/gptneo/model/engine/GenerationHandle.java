package dev.gptneo.model.engine;

/** The caller's side of a submitted request. Both methods may be called from any thread. */
public interface GenerationHandle {

    /**
     * Stops the request within one of its decode steps and frees its slot; the listener then
     * gets onFinish with reason CANCELLED (nothing, if it had already finished).
     */
    void cancel();

    /** Tells the engine that the consumer has become ready again (see {@link RequestListener#ready()}). */
    void resume();
}
