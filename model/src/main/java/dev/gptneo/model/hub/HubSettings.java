package dev.gptneo.model.hub;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the Hub and its cache are, read from the environment variables huggingface_hub reads
 * (its {@code constants.py}), so that a model Python tools downloaded is found where they put it.
 * Built from a map rather than from {@link System#getenv()} directly, so that tests give their
 * own environment instead of changing the process's.
 *
 * @param endpoint the Hub's base URL, without a trailing {@code /}
 * @param cacheDir the hub cache, holding {@code models--ORG--NAME/} folders
 * @param token the bearer token, or null for none
 * @param offline {@code HF_HUB_OFFLINE}: the cache only, never a request
 * @param stallTimeout how long a download may go without receiving a byte before it is cut and resumed
 */
public record HubSettings(URI endpoint, Path cacheDir, String token, boolean offline, Duration stallTimeout) {

    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);

    /** What huggingface_hub's {@code _is_true} accepts, compared upper-case. */
    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    /** The settings of this process's environment. */
    public static HubSettings fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * The settings {@code env} gives: {@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}
     * ({@code HF_HOME} defaulting to {@code $XDG_CACHE_HOME/huggingface}, else
     * {@code ~/.cache/huggingface}); {@code HF_ENDPOINT}; {@code HF_TOKEN}, else the file
     * {@code HF_TOKEN_PATH} or {@code $HF_HOME/token} that {@code hf auth login} writes;
     * {@code HF_HUB_OFFLINE}; {@code HF_HUB_DOWNLOAD_TIMEOUT} (seconds) as the stall timeout.
     *
     * @throws IllegalArgumentException naming the variable whose value cannot be used
     */
    public static HubSettings fromEnvironment(Map<String, String> env) {
        String home = nonBlank(env.get("HOME")) != null ? env.get("HOME") : System.getProperty("user.home");
        Path xdgCache = pathVariable(env, "XDG_CACHE_HOME", home);
        Path hfHome = orElse(pathVariable(env, "HF_HOME", home),
                (xdgCache != null ? xdgCache : Path.of(home, ".cache")).resolve("huggingface"));
        Path cache = orElse(pathVariable(env, "HF_HUB_CACHE", home),
                orElse(pathVariable(env, "HUGGINGFACE_HUB_CACHE", home), hfHome.resolve("hub")));
        Path tokenFile = orElse(pathVariable(env, "HF_TOKEN_PATH", home), hfHome.resolve("token"));
        String token = nonBlank(env.get("HF_TOKEN")) != null ? env.get("HF_TOKEN").strip() : tokenIn(tokenFile);
        boolean offline = isTrue(env.get("HF_HUB_OFFLINE")) || isTrue(env.get("TRANSFORMERS_OFFLINE"));
        return new HubSettings(endpoint(env.get("HF_ENDPOINT")), cache, token, offline, stallTimeout(env));
    }

    /** The same settings with another stall timeout (tests cut a stalled download in well under a minute). */
    public HubSettings withStallTimeout(Duration timeout) {
        return new HubSettings(endpoint, cacheDir, token, offline, timeout);
    }

    /** Never the token itself: settings get logged and printed in failures. */
    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", token=" + (token == null ? "none" : "set")
                + ", offline=" + offline + ", stallTimeout=" + stallTimeout + "]";
    }

    /** The path a variable names ({@code ~} expanded, as huggingface_hub does), or null when it is unset or blank. */
    private static Path pathVariable(Map<String, String> env, String name, String home) {
        String value = nonBlank(env.get(name));
        if (value == null) {
            return null;
        }
        return value.equals("~") ? Path.of(home) : value.startsWith("~/") ? Path.of(home, value.substring(2)) : Path.of(value);
    }

    private static Path orElse(Path path, Path otherwise) {
        return path != null ? path : otherwise;
    }

    private static URI endpoint(String value) {
        if (nonBlank(value) == null) {
            return DEFAULT_ENDPOINT;
        }
        String trimmed = value.strip().replaceAll("/+$", "");
        try {
            URI uri = new URI(trimmed);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && uri.getQuery() == null
                    && uri.getFragment() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below, in the same words
        }
        throw new IllegalArgumentException("HF_ENDPOINT: expected an http(s) URL such as " + DEFAULT_ENDPOINT
                + ", got '" + value + "'");
    }

    private static Duration stallTimeout(Map<String, String> env) {
        String value = nonBlank(env.get("HF_HUB_DOWNLOAD_TIMEOUT"));
        if (value == null) {
            return DEFAULT_STALL_TIMEOUT;
        }
        try {
            double seconds = Double.parseDouble(value.strip());
            if (seconds > 0 && seconds <= 86_400) {
                return Duration.ofMillis(Math.round(seconds * 1000));
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("HF_HUB_DOWNLOAD_TIMEOUT: expected seconds above 0, got '" + value + "'");
    }

    /** The token {@code hf auth login} saved, if there is one; a file that cannot be read means none. */
    private static String tokenIn(Path file) {
        try {
            return Files.isRegularFile(file) ? nonBlank(Files.readString(file, StandardCharsets.UTF_8).strip()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isTrue(String value) {
        return value != null && TRUE.contains(value.strip().toUpperCase(Locale.ROOT));
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
