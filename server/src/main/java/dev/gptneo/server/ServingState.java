package dev.gptneo.server;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import dev.gptneo.proto.v1.TextGenerationGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;

/**
 * Whether the server takes generation requests, kept in step with the standard health service:
 * NOT_SERVING while the model loads and warms up, SERVING after, NOT_SERVING for good once
 * shutdown begins or the engine has failed for good.
 */
@Singleton
public final class ServingState {

    private enum Phase { STARTING, SERVING, FAILED, STOPPING }

    private final HealthStatusManager health;
    private volatile Phase phase = Phase.STARTING;

    @Inject
    ServingState(HealthStatusManager health) {
        this.health = health;
        setHealth(ServingStatus.NOT_SERVING);
    }

    synchronized void markServing() {
        if (phase == Phase.STARTING) {
            phase = Phase.SERVING;
            setHealth(ServingStatus.SERVING);
        }
    }

    synchronized void markStopping() {
        phase = Phase.STOPPING;
        health.enterTerminalState();
    }

    /**
     * The engine has failed for good: NOT_SERVING from now on. Returns whether the server was
     * serving (rather than starting, when the start-up reports the failure, or stopping).
     */
    synchronized boolean markFailed() {
        boolean wasServing = phase == Phase.SERVING;
        if (phase != Phase.STOPPING) {
            phase = Phase.FAILED;
            health.enterTerminalState();
        }
        return wasServing;
    }

    /** @throws StatusRuntimeException UNAVAILABLE unless the server takes requests */
    void checkServing() {
        switch (phase) {
            case SERVING -> { }
            case STARTING -> throw Status.UNAVAILABLE.withDescription("server starting: the model is still loading")
                    .asRuntimeException();
            case FAILED -> throw Status.UNAVAILABLE.withDescription("server failed: its generation engine stopped")
                    .asRuntimeException();
            case STOPPING -> throw Status.UNAVAILABLE.withDescription("server shutting down").asRuntimeException();
        }
    }

    private void setHealth(ServingStatus status) {
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
        health.setStatus(TextGenerationGrpc.SERVICE_NAME, status);
    }
}
