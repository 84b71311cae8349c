package dev.gptneo.client;

import dev.gptneo.proto.v1.TextGenerationGrpc;
import java.util.List;
import java.util.Map;

/**
 * The channel's gRPC service config: spread calls over every address the target resolves to,
 * skip addresses whose health service does not say SERVING, and retry UNAVAILABLE.
 *
 * <p>gRPC retries a call only until the response headers arrive, which the server sends with its
 * first message: a generation that has started streaming is never replayed.
 */
final class ServiceConfig {

    private ServiceConfig() {
    }

    /** The config as the JSON-shaped map {@code defaultServiceConfig} takes (numbers as doubles). */
    static Map<String, ?> of(int maxAttempts) {
        Map<String, Object> method = maxAttempts < 2
                ? Map.of("name", List.of(Map.of("service", TextGenerationGrpc.SERVICE_NAME)))
                : Map.of("name", List.of(Map.of("service", TextGenerationGrpc.SERVICE_NAME)),
                        "retryPolicy", Map.of(
                                "maxAttempts", (double) maxAttempts,
                                "initialBackoff", "0.05s",
                                "maxBackoff", "1s",
                                "backoffMultiplier", 2.0,
                                "retryableStatusCodes", List.of("UNAVAILABLE")));
        return Map.of(
                "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
                // "" is the whole server's status in grpc.health.v1: it turns NOT_SERVING on shutdown.
                "healthCheckConfig", Map.of("serviceName", ""),
                "methodConfig", List.of(method));
    }
}
