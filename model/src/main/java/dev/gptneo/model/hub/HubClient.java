package dev.gptneo.model.hub;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.gptneo.tokenizer.io.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Hub's HTTP API, the three requests a download needs, as huggingface_hub makes them:
 * {@code GET /api/models/REPO/revision/REV} for the commit and the file list, {@code HEAD
 * /REPO/resolve/COMMIT/FILE} for a file's etag and size, and {@code GET} of that file, which the
 * Hub redirects to its blob storage on another host.
 *
 * <p>Redirects are followed here, not by {@code HttpClient}, for the token's sake: it is sent
 * only to the endpoint itself (same scheme, host and port), so it is dropped when a redirect
 * goes elsewhere, as {@code requests} does; and never over plain http except to this machine.
 */
final class HubClient {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** From a request sent to its answer's headers; a body's silence is the stall timeout's business. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_REDIRECTS = 10;
    /** The revision API's answer for a repo of a few thousand files is well under this. */
    private static final int MAX_METADATA_BYTES = 16 << 20;
    private static final String USER_AGENT = "gptneo/0.1 (java; like huggingface_hub)";

    /** What the revision API says. */
    record RevisionInfo(String commit, List<String> files) {
    }

    /**
     * What a HEAD of a file says.
     *
     * @param location where to GET the content: the blob URL the Hub redirects to, or the resolve URL
     */
    record FileMetadata(String commit, String etag, long size, URI location) {
    }

    /** A 200 or 206 answer to a GET, its body guarded against stalls. */
    record Body(int status, HttpHeaders headers, InputStream stream) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            stream.close();
        }
    }

    private final HubSettings settings;
    private final HttpClient http;

    HubClient(HubSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The commit a revision is now, and the repo's files at it. */
    RevisionInfo revision(HubModelId id) {
        URI url = URI.create(settings.endpoint() + "/api/models/" + id.repo() + "/revision/"
                + UrlEncoding.component(id.revision()));
        JsonElement root;
        try (Body body = get(id, null, url, 0)) {
            byte[] bytes = body.stream().readNBytes(MAX_METADATA_BYTES + 1);
            if (bytes.length > MAX_METADATA_BYTES) {
                throw new HubException(id.repo() + ": the Hub's answer for " + url + " is over "
                        + ByteSize.format(MAX_METADATA_BYTES) + "; refused");
            }
            root = StrictJson.parse(new String(bytes, StandardCharsets.UTF_8), HubErrors.withoutQuery(url));
        } catch (IOException e) {
            throw HubErrors.unreachable(url, e);
        }
        return revisionInfo(id, url, root);
    }

    /**
     * A file's commit, etag and size. The HEAD follows relative redirects (a renamed repo) and
     * stops at the first to another host, whose {@code Location} is where the content is.
     */
    FileMetadata metadata(HubModelId id, String commit, String file) {
        URI url = resolveUrl(id, commit, file);
        try {
            for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
                HttpRequest request = request(url).method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .header("Accept-Encoding", "identity").build();
                HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                URI location = location(response);
                boolean redirect = location != null;
                if (redirect && location.getHost() == null) {
                    url = url.resolve(location);
                    continue;
                }
                if (!redirect && response.statusCode() / 100 != 2) {
                    throw HubErrors.of(response, id, file, sendsToken(url));
                }
                return fileMetadata(id, file, response, redirect ? url.resolve(location) : url);
            }
        } catch (IOException e) {
            throw HubErrors.unreachable(url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(id + ": interrupted while asking the Hub about " + file, e);
        }
        throw new HubException(id + ": " + file + ": more than " + MAX_REDIRECTS + " redirects from " + url);
    }

    /**
     * GETs {@code url} from byte {@code from} on ({@code Range: bytes=FROM-} when not 0),
     * following redirects. The answer is 200 or 206; its body gives up after the stall timeout.
     *
     * @param file the file asked for, for messages; null for the repo's metadata
     * @throws IOException when there is no answer, or one worth asking again (5xx, 429): the
     *     caller may retry
     * @throws HubException for any other failed answer (not found, no access)
     */
    Body get(HubModelId id, String file, URI url, long from) throws IOException {
        URI current = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = request(current).GET();
            if (from > 0) {
                request.header("Range", "bytes=" + from + "-");
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            URI location = location(response);
            int status = response.statusCode();
            if (location == null && (status == 200 || status == 206)) {
                return new Body(status, response.headers(), new StallGuard(response.body(), settings.stallTimeout()));
            }
            response.body().close();
            if (location != null) {
                current = current.resolve(location);
            } else if (HubErrors.isTransient(status)) {
                throw new IOException("HTTP " + status + " from " + HubErrors.withoutQuery(current));
            } else {
                throw HubErrors.of(response, id, file, sendsToken(current));
            }
        }
        throw new HubException(id + ": more than " + MAX_REDIRECTS + " redirects from " + HubErrors.withoutQuery(url));
    }

    /** {@code ENDPOINT/REPO/resolve/COMMIT/FILE}, each part percent-encoded as huggingface_hub's {@code hf_hub_url}. */
    URI resolveUrl(HubModelId id, String commit, String file) {
        return URI.create(settings.endpoint() + "/" + id.repo() + "/resolve/" + UrlEncoding.component(commit) + "/"
                + UrlEncoding.path(file));
    }

    private HttpRequest.Builder request(URI url) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(ANSWER_TIMEOUT)
                .header("User-Agent", USER_AGENT);
        if (sendsToken(url)) {
            if (url.getScheme().equalsIgnoreCase("http") && !isLoopback(url.getHost())) {
                throw new HubException("refusing to send HF_TOKEN over plain http to " + url.getHost()
                        + ": use an https HF_ENDPOINT, or unset HF_TOKEN");
            }
            request.header("Authorization", "Bearer " + settings.token());
        }
        return request;
    }

    /** The token goes to the endpoint alone: a redirect to another scheme, host or port drops it. */
    private boolean sendsToken(URI url) {
        URI endpoint = settings.endpoint();
        return settings.token() != null && endpoint.getScheme().equalsIgnoreCase(url.getScheme())
                && endpoint.getHost().equalsIgnoreCase(url.getHost()) && port(url) == port(endpoint);
    }

    private static int port(URI url) {
        return url.getPort() >= 0 ? url.getPort() : url.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /** A name or literal that can only be this machine; no DNS lookup decides it. */
    private static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
    }

    /** The redirect target of a 3xx answer, or null for any other answer. */
    private static URI location(HttpResponse<?> response) {
        int status = response.statusCode();
        if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
            return null;
        }
        String location = response.headers().firstValue("Location").orElse(null);
        if (location == null) {
            return null;
        }
        try {
            URI target = URI.create(location);
            String scheme = target.getScheme();
            if (scheme == null || scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) {
                return target;
            }
        } catch (IllegalArgumentException e) {
            // refused below, in the same words
        }
        throw new HubException("refusing the redirect from " + HubErrors.withoutQuery(response.uri()) + " to '"
                + location.split("\\?", 2)[0].replaceAll("[^\\x21-\\x7e]", "?") + "': not an http(s) URL");
    }

    private static RevisionInfo revisionInfo(HubModelId id, URI url, JsonElement root) {
        String where = id.repo() + ": the Hub's answer for " + HubErrors.withoutQuery(url);
        JsonObject info = root.isJsonObject() ? root.getAsJsonObject() : null;
        JsonElement sha = info == null ? null : info.get("sha");
        JsonElement siblings = info == null ? null : info.get("siblings");
        if (sha == null || !sha.isJsonPrimitive() || siblings == null || !siblings.isJsonArray()) {
            throw new HubException(where + " has no \"sha\" and \"siblings\"; is HF_ENDPOINT a Hugging Face Hub?");
        }
        List<String> files = new ArrayList<>();
        for (JsonElement sibling : (JsonArray) siblings) {
            JsonElement name = sibling.isJsonObject() ? sibling.getAsJsonObject().get("rfilename") : null;
            if (name == null || !name.isJsonPrimitive() || !name.getAsJsonPrimitive().isString()) {
                throw new HubException(where + ": a sibling without a string \"rfilename\"");
            }
            files.add(name.getAsString());
        }
        return new RevisionInfo(sha.getAsString(), List.copyOf(files));
    }

    /**
     * The headers huggingface_hub's {@code get_hf_file_metadata} reads: {@code X-Repo-Commit};
     * {@code X-Linked-Etag} (an LFS file's SHA-256), else {@code ETag}, without quotes or
     * {@code W/}; {@code X-Linked-Size}, else the {@code Content-Length} of an answer that is not
     * a redirect.
     */
    private static FileMetadata fileMetadata(HubModelId id, String file, HttpResponse<?> response, URI location) {
        HttpHeaders headers = response.headers();
        String commit = headers.firstValue("X-Repo-Commit").orElse(null);
        String etag = headers.firstValue("X-Linked-Etag").or(() -> headers.firstValue("ETag")).map(HubClient::normalizeEtag)
                .orElse(null);
        String size = headers.firstValue("X-Linked-Size")
                .or(() -> response.statusCode() / 100 == 3 ? Optional.<String>empty() : headers.firstValue("Content-Length"))
                .orElse(null);
        if (commit == null || etag == null || size == null) {
            throw new HubException(id + ": " + file + ": the Hub's answer has no "
                    + (commit == null ? "X-Repo-Commit" : etag == null ? "ETag" : "size (X-Linked-Size or Content-Length)")
                    + " header; is HF_ENDPOINT a Hugging Face Hub?");
        }
        try {
            long bytes = Long.parseLong(size.strip());
            if (bytes < 0) {
                throw new NumberFormatException(size);
            }
            return new FileMetadata(commit, etag, bytes, location);
        } catch (NumberFormatException e) {
            throw new HubException(id + ": " + file + ": the Hub sent the size '" + size + "', not a number of bytes");
        }
    }

    /** {@code W/"abc"} and {@code "abc"} are both the etag {@code abc}. */
    static String normalizeEtag(String etag) {
        String value = etag.strip();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        return value;
    }
}
