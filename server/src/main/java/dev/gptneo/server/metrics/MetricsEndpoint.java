package dev.gptneo.server.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Serves the metrics at {@code GET /metrics} (that path exactly) over plain HTTP/1.1, for
 * Prometheus to scrape: one response per connection, then it is closed. Each connection is
 * served on a virtual thread of its own, at most {@value #MAX_CONNECTIONS} at once (one more is
 * closed unanswered), and is closed once it has taken {@link #CONNECTION_LIMIT}, whatever it is
 * doing: a client that sends half a request, or reads the answer a byte at a time, holds its
 * own connection for that long, never the endpoint. A request head longer than
 * {@value #MAX_HEAD_BYTES} bytes gets 431. The request's {@code Accept} header chooses the
 * format ({@link Exposition}).
 *
 * <p>Why not the Prometheus client's own {@code HTTPServer}: it is the JDK's
 * {@code com.sun.net.httpserver} underneath, whose connection cap and time limits are JVM-wide
 * system properties, off by default (nothing stops a client that sends a byte a second), and it
 * serves more than {@code /metrics} ({@code /}, {@code /-/healthy}). So the endpoint is this
 * one, whose limits the tests hold it to, and only the rendering is the library's.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** Prometheus's own scrape timeout is 10 s by default; a scrape on a loopback or LAN takes milliseconds. */
    static final Duration CONNECTION_LIMIT = Duration.ofSeconds(5);
    /** A scrape's request is one line and a few headers. */
    static final int MAX_HEAD_BYTES = 8 * 1024;
    /** Scrapers are few: one or two Prometheus servers, the odd curl. */
    static final int MAX_CONNECTIONS = 16;
    private static final String PATH = "/metrics";
    /** A header's name is case-insensitive; the value follows the colon. */
    private static final String ACCEPT = "accept:";

    private final ServerSocket socket;
    private final Exposition exposition;
    private final Duration connectionLimit;
    private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);
    private final ExecutorService handlers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("gptneo-metrics-", 0).factory());
    private final ScheduledExecutorService closer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("gptneo-metrics-closer").daemon().factory());

    private MetricsEndpoint(ServerSocket socket, Exposition exposition, Duration connectionLimit) {
        this.socket = socket;
        this.exposition = exposition;
        this.connectionLimit = connectionLimit;
    }

    public static MetricsEndpoint start(String host, int port, Exposition exposition) throws IOException {
        return start(host, port, exposition, CONNECTION_LIMIT);
    }

    /** As {@link #start(String, int, Exposition)}, each connection closed after {@code connectionLimit}. */
    static MetricsEndpoint start(String host, int port, Exposition exposition, Duration connectionLimit)
            throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        MetricsEndpoint endpoint = new MetricsEndpoint(socket, exposition, connectionLimit);
        Thread.ofPlatform().name("gptneo-metrics-accept").daemon().start(endpoint::accept);
        return endpoint;
    }

    public int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
        handlers.shutdownNow();
        closer.shutdownNow();
    }

    private void accept() {
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (!connections.tryAcquire()) {
                closeQuietly(client);
                continue;
            }
            try {
                handlers.execute(() -> serve(client));
            } catch (RuntimeException e) { // rejected: the endpoint is closing
                connections.release();
                closeQuietly(client);
            }
        }
    }

    private void serve(Socket client) {
        ScheduledFuture<?> limit = closer.schedule(() -> closeQuietly(client), connectionLimit.toNanos(),
                TimeUnit.NANOSECONDS);
        try (client) {
            OutputStream out = client.getOutputStream();
            String head = readHead(client.getInputStream());
            if (head == null) {
                respond(out, "431 Request Header Fields Too Large", "", null);
                return;
            }
            String[] requestLine = head.substring(0, head.indexOf('\n')).strip().split(" ");
            if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/")) {
                respond(out, "400 Bad Request", "", null);
            } else if (!pathOf(requestLine[1]).equals(PATH)) {
                respond(out, "404 Not Found", "", null);
            } else if (!requestLine[0].equals("GET")) {
                respond(out, "405 Method Not Allowed", "Allow: GET\r\n", null);
            } else {
                Exposition.Scrape scrape = exposition.scrape(accept(head));
                respond(out, "200 OK", "Content-Type: " + scrape.contentType() + "\r\n", scrape.body());
            }
        } catch (IOException e) {
            // the client went, or took longer than the limit: its connection is closed, nothing more
        } finally {
            limit.cancel(false);
            connections.release();
        }
    }

    /** The request line and headers up to the blank line; null when longer than {@value #MAX_HEAD_BYTES} bytes. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last = -1;
        int beforeLast = -1;
        int b;
        while ((b = in.read()) >= 0) {
            if (head.size() == MAX_HEAD_BYTES) {
                return null;
            }
            head.write(b);
            // The blank line ends the head: CRLF CRLF, or bare LF LF as lenient servers accept.
            if (b == '\n' && (last == '\n' || (last == '\r' && beforeLast == '\n'))) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
            beforeLast = last;
            last = b;
        }
        throw new IOException("the client closed before the end of its request");
    }

    /** The Accept header's value, several such headers joined as RFC 9110 joins them; null when none. */
    private static String accept(String head) {
        String joined = head.lines().skip(1)
                .filter(line -> line.regionMatches(true, 0, ACCEPT, 0, ACCEPT.length()))
                .map(line -> line.substring(ACCEPT.length()).strip())
                .collect(Collectors.joining(", "));
        return joined.isEmpty() ? null : joined;
    }

    private static String pathOf(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    private static void respond(OutputStream out, String status, String headers, byte[] body) throws IOException {
        int length = body == null ? 0 : body.length;
        out.write(("HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: " + length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();
    }

    private static void closeQuietly(Socket client) {
        try {
            client.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }
}
