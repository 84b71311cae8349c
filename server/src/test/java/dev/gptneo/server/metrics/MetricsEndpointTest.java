package dev.gptneo.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The metrics endpoint against scrapes, wrong paths and methods, and clients that hold connections. */
class MetricsEndpointTest {

    /** The registry's one gauge, as the Prometheus text format 0.0.4 writes it. */
    private static final String METRICS = "# HELP gptneo_test A test gauge.\n# TYPE gptneo_test gauge\ngptneo_test 1.0\n";
    private static final Duration LIMIT = Duration.ofSeconds(1);

    private MetricsEndpoint endpoint;
    private final List<Socket> held = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        Gauge.builder().name("gptneo_test").help("A test gauge.").register(registry).set(1);
        endpoint = MetricsEndpoint.start("127.0.0.1", 0, new Exposition(registry), LIMIT);
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : held) {
            s.close();
        }
        endpoint.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return client.send(request.timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A connection that has sent {@code bytes} and then nothing. */
    private Socket holding(String bytes) throws IOException {
        Socket s = new Socket("127.0.0.1", endpoint.port());
        held.add(s);
        OutputStream out = s.getOutputStream();
        out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return s;
    }

    @Test
    void aScrapeGetsTheExpositionAsPrometheusTextFormat() throws Exception {
        HttpResponse<String> response = send("GET", "/metrics");
        assertEquals(200, response.statusCode());
        assertEquals(METRICS, response.body());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void aScrapeAcceptingOpenMetricsGetsOpenMetrics() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"))
                .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"));
        assertEquals(200, response.statusCode());
        assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8",
                response.headers().firstValue("Content-Type").orElse(""));
        assertEquals("# TYPE gptneo_test gauge\n# HELP gptneo_test A test gauge.\ngptneo_test 1.0\n# EOF\n",
                response.body());
    }

    @Test
    void onlyTheMetricsPathItselfIsServed() throws Exception {
        assertEquals(404, send("GET", "/metricsXYZ").statusCode());
        assertEquals(404, send("GET", "/metrics/").statusCode());
        assertEquals(404, send("GET", "/").statusCode());
        assertEquals(200, send("GET", "/metrics?name=x").statusCode());
        assertEquals(405, send("POST", "/metrics").statusCode());
    }

    @Test
    void halfSentRequestsDoNotHoldUpAConcurrentScrape() throws Exception {
        for (int i = 0; i < 4; i++) {
            holding("GET /metr");
        }
        long start = System.nanoTime();
        assertEquals(200, send("GET", "/metrics").statusCode());
        assertTrue(System.nanoTime() - start < LIMIT.toNanos(), "the scrape waited for the half-sent requests");
    }

    @Test
    void aHalfSentRequestIsClosedOnceItHasTakenTheLimit() throws Exception {
        Socket half = holding("GET /metrics HTTP/1.1\r\nHost: x\r\n");
        half.setSoTimeout((int) LIMIT.multipliedBy(5).toMillis());
        long start = System.nanoTime();
        assertTrue(closed(half.getInputStream()), "the server answered a request it never got whole");
        long took = System.nanoTime() - start;
        assertTrue(took >= LIMIT.minusMillis(200).toNanos() && took < LIMIT.multipliedBy(3).toNanos(),
                "closed after " + TimeUnit.NANOSECONDS.toMillis(took) + " ms");
    }

    @Test
    void anOversizedRequestHeadIsRefused() throws Exception {
        Socket big = holding("GET /metrics HTTP/1.1\r\nX-Padding: " + "a".repeat(MetricsEndpoint.MAX_HEAD_BYTES) + "\r\n\r\n");
        big.setSoTimeout(5_000);
        String answer = new String(big.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(answer.startsWith("HTTP/1.1 431 "), answer);
    }

    @Test
    void heldConnectionsBeyondTheCapAreClosedAndTheEndpointServesAgainAfterTheLimit() throws Exception {
        List<Socket> many = new ArrayList<>();
        for (int i = 0; i < MetricsEndpoint.MAX_CONNECTIONS + 4; i++) {
            many.add(holding("GET"));
        }
        // The endpoint is full for up to the limit; after it, it serves again.
        Thread.sleep(LIMIT.plusMillis(500).toMillis());
        assertEquals(200, send("GET", "/metrics").statusCode());
        for (Socket s : many) {
            s.setSoTimeout(1_000);
            assertTrue(closed(s.getInputStream()), "a held connection outlived the limit");
        }
    }

    /** Whether the stream ends (or is reset) without a byte of an answer. */
    private static boolean closed(InputStream in) throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true;
        }
    }
}
