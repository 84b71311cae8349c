package dev.gptneo.server.metrics;

import io.prometheus.metrics.config.ExporterProperties;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A registry's metrics written in the format a scrape's {@code Accept} header asks for, by the
 * Prometheus client's own writers: OpenMetrics 1.0 (ending in {@code # EOF}) for
 * {@code application/openmetrics-text}, the Prometheus text format 0.0.4 for anything else, the
 * protobuf format included (its writer needs the client's shaded protobuf, several MB, to say
 * what the text already says; Prometheus then falls back to text itself).
 */
public final class Exposition {

    /** The metrics as written for one scrape. */
    public record Scrape(String contentType, byte[] body) {
    }

    private final PrometheusRegistry registry;
    /** The writers' defaults, not a {@code prometheus.properties} that happens to be on the class path. */
    private final ExpositionFormats formats = ExpositionFormats.init(ExporterProperties.builder().build());

    Exposition(PrometheusRegistry registry) {
        this.registry = registry;
    }

    /** Everything registered, for a scrape that sent {@code accept} (null when it sent none). */
    public Scrape scrape(String accept) {
        ExpositionFormatWriter writer = formats.findWriter(accept);
        if (!writer.isAvailable()) {
            writer = formats.getPrometheusTextFormatWriter();
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            writer.write(body, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("writing metrics to memory failed", e);
        }
        return new Scrape(writer.getContentType(), body.toByteArray());
    }
}
