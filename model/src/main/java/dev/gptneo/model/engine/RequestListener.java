package dev.gptneo.model.engine;

import dev.gptneo.model.generate.GenerationListener;

/** What an engine reports to, and asks of, the consumer of one request. */
public interface RequestListener extends GenerationListener {

    /**
     * Flow control: whether the consumer can take another token now. While false the engine
     * skips the request (without spinning) until {@link GenerationHandle#resume()} is called.
     * Called on the engine's thread; must be quick and must not block.
     */
    default boolean ready() {
        return true;
    }

    /** The request stopped without finishing: the engine failed or shut down. Replaces onFinish. */
    void onFailure(Throwable cause);
}
