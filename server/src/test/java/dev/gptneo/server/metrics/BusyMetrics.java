package dev.gptneo.server.metrics;

import dev.gptneo.model.engine.EngineStats;
import dev.gptneo.model.generate.StopReason;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;

/** A server's metrics after one event of every kind, so that every family has samples to check. */
final class BusyMetrics {

    static final EngineStats ENGINE = new EngineStats(2, 1, 0, 7, 93, 4);
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private BusyMetrics() {
    }

    static ServerMetrics create() {
        ServerMetrics metrics = new ServerMetrics();
        metrics.observeEngine(() -> ENGINE);
        metrics.firstToken(30_000_000L);
        metrics.nextToken(4_000_000L);
        metrics.nextToken(20_000_000L);
        metrics.stepped(3, 17, 40_000_000L);
        metrics.finished(StopReason.LENGTH);
        metrics.stalled();
        metrics.failed();
        metrics.requestEnded("Generate", Status.Code.OK);
        metrics.requestEnded("Generate", Status.Code.OK);
        metrics.requestEnded("Complete", Status.Code.INVALID_ARGUMENT);
        return metrics;
    }

    /** The Prometheus text format of {@link #create()}, as a scrape without an Accept header gets it. */
    static String text() {
        return new String(create().exposition().scrape(null).body(), StandardCharsets.UTF_8);
    }
}
