package dev.gptneo.model.hub;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.gptneo.model.Fixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * A Hugging Face Hub on loopback, answering as huggingface.co does: the revision API, {@code HEAD}
 * and {@code GET} of {@code /REPO/resolve/REV/FILE} with {@code X-Repo-Commit}; for a small file
 * {@code ETag} = its git blob SHA-1 and the content itself; for an LFS file {@code X-Linked-Etag}
 * = its SHA-256, {@code X-Linked-Size}, and a 302 to a blob server on another origin
 * ({@code localhost} and another port), which honours {@code Range} with a 206. Errors carry
 * {@code X-Error-Code}. Every request is recorded; on demand a body is cut part-way or corrupted.
 *
 * <p>The digests are computed here with the JDK's {@link MessageDigest} from their definitions,
 * never by the code under test.
 */
public final class FakeHub implements AutoCloseable {

    /** The commit the fake's only revision, {@code main}, points to. */
    public static final String COMMIT = "3e1b5d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b";

    /** One request as the fake saw it. */
    public record Request(String method, String path, String range, String authorization) {
    }

    private record File(byte[] content, boolean lfs) {
    }

    private final String repo;
    private final Map<String, File> files = new LinkedHashMap<>();
    private final HttpServer hub;
    private final HttpServer blobs;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Long> cutAfter = new ConcurrentHashMap<>();
    private final Map<String, Long> stallAfter = new ConcurrentHashMap<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    private volatile String requiredToken;
    private volatile String blobLocation;

    private FakeHub(String repo) throws IOException {
        this.repo = repo;
        InetAddress loopback = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        blobs = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        hub.createContext("/", this::serveHub);
        blobs.createContext("/", this::serveBlob);
        for (HttpServer server : List.of(hub, blobs)) {
            server.setExecutor(Executors.newCachedThreadPool());
            server.start();
        }
    }

    /**
     * {@code repo} holding testdata/tiny-gpt-neo's files, plus what a download must leave alone:
     * Flax, TensorFlow and Rust weights, a {@code pytorch_model.bin} beside the safetensors, a
     * README and {@code .gitattributes}. The weights are LFS files, the rest small ones.
     */
    public static FakeHub tinyGptNeo(String repo) throws IOException {
        FakeHub fake = new FakeHub(repo);
        Path fixture = Fixtures.checkpoint("tiny-gpt-neo");
        for (String name : List.of("config.json", "tokenizer_config.json", "special_tokens_map.json")) {
            fake.add(name, Files.readAllBytes(fixture.resolve(name)), false);
        }
        fake.add("model.safetensors", Files.readAllBytes(fixture.resolve("model.safetensors")), true);
        fake.add("pytorch_model.bin", bytes("not to be fetched: safetensors exist"), true);
        fake.add("flax_model.msgpack", bytes("flax"), true);
        fake.add("tf_model.h5", bytes("tensorflow"), true);
        fake.add("rust_model.ot", bytes("rust"), true);
        fake.add("README.md", bytes("# tiny"), false);
        fake.add(".gitattributes", bytes("*.safetensors filter=lfs"), false);
        return fake;
    }

    /** Adds or replaces a file of the repo. */
    public FakeHub add(String name, byte[] content, boolean lfs) {
        files.put(name, new File(content, lfs));
        return this;
    }

    /** The repo's files, as its revision API lists them. */
    public Set<String> fileNames() {
        return Set.copyOf(files.keySet());
    }

    public byte[] content(String name) {
        return files.get(name).content();
    }

    /** The etag the Hub gives {@code name}: SHA-256 for LFS, git blob SHA-1 otherwise, hex. */
    public String etag(String name) {
        File file = files.get(name);
        return file.lfs() ? sha256(file.content()) : gitBlobSha1(file.content());
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    /** The next GET of {@code name}'s content sends its full length in headers, then only {@code bytes} of it, and closes. */
    public void cutOnce(String name, long bytes) {
        cutAfter.put(name, bytes);
    }

    /** The next GET of {@code name}'s content sends {@code bytes} of it, then nothing more until the fake is closed. */
    public void stallOnce(String name, long bytes) {
        stallAfter.put(name, bytes);
    }

    /** From now on {@code name}'s content is served with one byte changed (its headers unchanged). */
    public void corrupt(String name) {
        corrupt.add(name);
    }

    /** From now on an LFS file's resolve redirects to {@code location} instead of the blob server. */
    public void redirectLfsTo(String location) {
        blobLocation = location;
    }

    /** Requests to the Hub (not the blob server) without {@code Authorization: Bearer token} get 401 GatedRepo. */
    public void requireToken(String token) {
        requiredToken = token;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The files whose content was fetched (a GET of a small file, or of an LFS file's blob), in order. */
    public List<String> fetchedFiles() {
        List<String> fetched = new ArrayList<>();
        for (Request r : requests) {
            if (r.method().equals("GET") && r.path().startsWith("/blobs/")) {
                fetched.add(nameOfBlob(r.path().substring("/blobs/".length())));
            } else if (r.method().equals("GET") && r.path().contains("/resolve/") && !files.get(fileOf(r.path())).lfs()) {
                fetched.add(fileOf(r.path()));
            }
        }
        return fetched;
    }

    public static String sha256(byte[] content) {
        return hex("SHA-256", content);
    }

    /** git's object id of a blob: SHA-1 of {@code "blob <size>\0"} and the content. */
    public static String gitBlobSha1(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + content.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(content, 0, all, header.length, content.length);
        return hex("SHA-1", all);
    }

    @Override
    public void close() {
        closed.countDown();
        hub.stop(0);
        blobs.stop(0);
    }

    private void serveHub(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            record(exchange, path);
            String token = requiredToken;
            if (token != null && !("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                fail(exchange, 401, "GatedRepo");
            } else if (path.startsWith("/api/models/")) {
                serveRevision(exchange, path.substring("/api/models/".length()));
            } else {
                serveResolve(exchange, path);
            }
        }
    }

    private void serveRevision(HttpExchange exchange, String rest) throws IOException {
        int split = rest.indexOf("/revision/");
        if (split < 0 || !rest.substring(0, split).equals(repo)) {
            fail(exchange, 404, "RepoNotFound");
            return;
        }
        String revision = URLDecoder.decode(rest.substring(split + "/revision/".length()), StandardCharsets.UTF_8);
        if (!revision.equals("main") && !revision.equals(COMMIT)) {
            fail(exchange, 404, "RevisionNotFound");
            return;
        }
        JsonObject info = new JsonObject();
        info.addProperty("id", repo);
        info.addProperty("sha", COMMIT);
        JsonArray siblings = new JsonArray();
        files.keySet().forEach(name -> {
            JsonObject sibling = new JsonObject();
            sibling.addProperty("rfilename", name);
            siblings.add(sibling);
        });
        info.add("siblings", siblings);
        byte[] body = info.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private void serveResolve(HttpExchange exchange, String path) throws IOException {
        String prefix = "/" + repo + "/resolve/";
        if (!path.startsWith(prefix)) {
            fail(exchange, 404, "RepoNotFound");
            return;
        }
        String rest = path.substring(prefix.length());
        String revision = URLDecoder.decode(rest.substring(0, rest.indexOf('/')), StandardCharsets.UTF_8);
        String name = fileOf(path);
        if (!revision.equals("main") && !revision.equals(COMMIT)) {
            fail(exchange, 404, "RevisionNotFound");
            return;
        }
        File file = files.get(name);
        if (file == null) {
            fail(exchange, 404, "EntryNotFound");
            return;
        }
        exchange.getResponseHeaders().set("X-Repo-Commit", COMMIT);
        if (file.lfs()) {
            exchange.getResponseHeaders().set("X-Linked-Etag", "\"" + etag(name) + "\"");
            exchange.getResponseHeaders().set("X-Linked-Size", Long.toString(file.content().length));
            exchange.getResponseHeaders().set("ETag", "\"" + gitBlobSha1(bytes("version https://git-lfs")) + "\"");
            String location = blobLocation;
            exchange.getResponseHeaders().set("Location", location != null ? location : "http://localhost:"
                    + blobs.getAddress().getPort() + "/blobs/" + etag(name) + "?X-Amz-Signature=secret");
            exchange.sendResponseHeaders(302, -1);
            return;
        }
        exchange.getResponseHeaders().set("ETag", "\"" + etag(name) + "\"");
        sendContent(exchange, name);
    }

    private void serveBlob(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            record(exchange, path);
            String name = path.startsWith("/blobs/") ? nameOfBlob(path.substring("/blobs/".length())) : null;
            if (name == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            sendContent(exchange, name);
        }
    }

    /** The content, whole or from a {@code Range: bytes=N-}, with a HEAD answered by its headers alone. */
    private void sendContent(HttpExchange exchange, String name) throws IOException {
        byte[] content = files.get(name).content().clone();
        if (corrupt.contains(name)) {
            content[content.length / 2] ^= 0x5a;
        }
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(content.length));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        String range = exchange.getRequestHeaders().getFirst("Range");
        int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
        if (range != null) {
            exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        }
        exchange.sendResponseHeaders(range == null ? 200 : 206, content.length - from);
        OutputStream body = exchange.getResponseBody();
        Long cut = cutAfter.remove(name);
        Long stall = stallAfter.remove(name);
        Long stop = cut != null ? cut : stall;
        int end = stop == null ? content.length : (int) Math.min(content.length, from + stop);
        body.write(content, from, end - from);
        body.flush();
        if (stall != null) {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (stop != null) {
            throw new IOException("cut on purpose"); // the server closes the connection mid-body
        }
    }

    private void fail(HttpExchange exchange, int status, String code) throws IOException {
        exchange.getResponseHeaders().set("X-Error-Code", code);
        exchange.getResponseHeaders().set("X-Error-Message", code + " (from the fake Hub)");
        exchange.sendResponseHeaders(status, -1);
    }

    private void record(HttpExchange exchange, String path) {
        requests.add(new Request(exchange.getRequestMethod(), path, exchange.getRequestHeaders().getFirst("Range"),
                exchange.getRequestHeaders().getFirst("Authorization")));
    }

    private String fileOf(String resolvePath) {
        String rest = resolvePath.substring(("/" + repo + "/resolve/").length());
        return URLDecoder.decode(rest.substring(rest.indexOf('/') + 1), StandardCharsets.UTF_8);
    }

    private String nameOfBlob(String etag) {
        return files.keySet().stream().filter(n -> files.get(n).lfs() && etag(n).equals(etag)).findFirst().orElse(null);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(String algorithm, byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is a digest every JDK has", e);
        }
    }
}
