package dev.gptneo.server;

import com.google.inject.Inject;
import com.google.inject.Singleton;

/**
 * What the server does when its engine stops for good (see BatchingEngine): health goes
 * NOT_SERVING at once, and a serving process exits non-zero with one line, so that whatever
 * supervises it restarts it, rather than leaving a process that answers health checks and
 * generates nothing. During start-up the start-up itself reports the failure.
 */
@Singleton
final class EngineFailure {

    private final ServingState state;
    private final ProcessExit exit;

    @Inject
    EngineFailure(ServingState state, ProcessExit exit) {
        this.state = state;
        this.exit = exit;
    }

    /**
     * On the engine's thread. The exit runs on a thread of its own: it waits for the shutdown
     * hooks, and the server's waits for the engine's thread to end.
     */
    void engineStopped(Throwable cause) {
        if (state.markFailed()) {
            Thread.ofPlatform().name("gptneo-exit").start(() -> exit.exit("the generation engine stopped: " + cause));
        }
    }
}
