package dev.gptneo.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exposition against the formats' specifications, checked by a parser of our own (always;
 * {@link PromtoolTest} asks Prometheus's own checker when it is installed).
 */
class ExpositionTest {

    private final ServerMetrics metrics = BusyMetrics.create();

    @Test
    void aScrapeWithoutAcceptGetsTheTextFormatWhoseSamplesAllBelongToATypedFamily() {
        Exposition.Scrape scrape = metrics.exposition().scrape(null);
        assertEquals("text/plain; version=0.0.4; charset=utf-8", scrape.contentType());
        // parse refuses a sample outside a # TYPEd family and a name outside [a-zA-Z_:][a-zA-Z0-9_:]*.
        TextFormat parsed = TextFormat.parse(new String(scrape.body(), StandardCharsets.UTF_8));
        assertTrue(parsed.families().size() > 20, "the server's, the JVM's and the process's families");
    }

    @Test
    void everyHistogramsBucketsAreCumulativeAndEndInInfEqualToItsCount() {
        List<TextFormat.Family> histograms = TextFormat.parse(BusyMetrics.text()).families().values().stream()
                .filter(f -> f.type().equals("histogram")).toList();
        assertFalse(histograms.isEmpty());
        for (TextFormat.Family histogram : histograms) {
            Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
            histogram.samples().stream().filter(s -> s.name().endsWith("_count"))
                    .forEach(s -> counts.put(s.labels(), s.value()));
            assertFalse(counts.isEmpty(), histogram.name() + " has a _count");
            counts.forEach((labels, count) -> {
                List<TextFormat.Sample> buckets = histogram.samples().stream()
                        .filter(s -> s.name().endsWith("_bucket") && withoutLe(s.labels()).equals(labels)).toList();
                String where = histogram.name() + labels;
                assertEquals("+Inf", buckets.getLast().labels().get("le"), where + " ends in +Inf");
                assertEquals(count, buckets.getLast().value(), where + ": +Inf equals _count");
                for (int i = 1; i < buckets.size(); i++) {
                    assertTrue(Double.parseDouble(buckets.get(i - 1).labels().get("le").replace("+Inf", "Infinity"))
                            < Double.parseDouble(buckets.get(i).labels().get("le").replace("+Inf", "Infinity")),
                            where + ": bounds ascend");
                    assertTrue(buckets.get(i - 1).value() <= buckets.get(i).value(), where + ": counts cumulative");
                }
            });
        }
    }

    @Test
    void anOpenMetricsScrapeGetsOpenMetricsEndingInEof() {
        Exposition.Scrape scrape = metrics.exposition().scrape(BusyMetrics.OPENMETRICS);
        assertEquals(BusyMetrics.OPENMETRICS, scrape.contentType());
        String text = new String(scrape.body(), StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n# EOF\n"), "ends in # EOF");
        assertEquals(1, text.lines().filter("# EOF"::equals).count(), "one # EOF");
        // OpenMetrics names a counter's family without _total, and its sample with it.
        List<String> lines = text.lines().toList();
        assertTrue(lines.contains("# TYPE gptneo_generations counter"), text);
        assertTrue(lines.contains("gptneo_generations_total{reason=\"stalled\"} 1.0"), text);
    }

    @Test
    void aProtobufScrapeGetsTheTextFormat() {
        // What Prometheus asks for with native histograms on: protobuf first, the text format after.
        String prometheus = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;"
                + "q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1";
        assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.exposition().scrape(prometheus).contentType());
    }

    private static Map<String, String> withoutLe(Map<String, String> labels) {
        Map<String, String> rest = new LinkedHashMap<>(labels);
        rest.remove("le");
        return rest;
    }
}
