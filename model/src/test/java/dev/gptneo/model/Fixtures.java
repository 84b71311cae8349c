package dev.gptneo.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.Backends;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The reference checkpoints in {@code ../shared/fixtures} and their float64 expectations,
 * computed by an independent PyTorch implementation (never by our code).
 */
public final class Fixtures {

    public static final List<String> CHECKPOINTS = List.of("tiny-gpt-neo", "tiny-gpt-neo-f16", "tiny-gpt-neo-bf16");

    private Fixtures() {
    }

    public static Path shared() {
        String dir = System.getProperty("gptneo.shared");
        Path path = Path.of(dir == null ? "../shared" : dir);
        if (!Files.isDirectory(path.resolve("fixtures"))) {
            throw new IllegalStateException("reference fixtures not found at " + path.toAbsolutePath()
                    + " (set -Dgptneo.shared)");
        }
        return path;
    }

    public static Path checkpoint(String name) {
        return shared().resolve("fixtures").resolve(name);
    }

    /** One prompt of a fixture's expected.json. */
    public record Case(String checkpoint, int index, int[] inputIds, float[] lastLogits, int[] greedyNewIds,
                       String greedyNewText) {
        @Override
        public String toString() {
            return checkpoint + "#" + index + " (" + inputIds.length + " tokens)";
        }
    }

    public static List<Case> cases(String checkpoint) {
        Path dir = checkpoint(checkpoint);
        try {
            JsonObject expected = JsonParser.parseString(Files.readString(dir.resolve("expected.json"))).getAsJsonObject();
            List<Case> cases = new ArrayList<>();
            JsonArray all = expected.getAsJsonArray("cases");
            for (int i = 0; i < all.size(); i++) {
                JsonObject c = all.get(i).getAsJsonObject();
                cases.add(new Case(checkpoint, i, ints(c.getAsJsonArray("input_ids")),
                        floats(dir.resolve(c.get("last_logits_file").getAsString())),
                        ints(c.getAsJsonArray("greedy_new_ids")), c.get("greedy_new_text").getAsString()));
            }
            return cases;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read fixture " + dir, e);
        }
    }

    public static Stream<Case> allCases() {
        return CHECKPOINTS.stream().flatMap(c -> cases(c).stream());
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        int i = 0;
        for (JsonElement e : a) {
            out[i++] = e.getAsInt();
        }
        return out;
    }

    private static float[] floats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    /**
     * The backends to test: those available here, or only those named in
     * {@code -Dgptneo.test.backends=a,b} (scripts/gpu-check.sh tests just {@code opencl}).
     */
    public static List<String> backends() {
        String only = System.getProperty("gptneo.test.backends", "");
        return Backends.available().stream()
                .filter(b -> only.isEmpty() || List.of(only.split(",")).contains(b))
                .toList();
    }

    /** Default options, with the OpenCL device chosen by {@code -Dgptneo.test.openclPlatform/Device}. */
    public static BackendOptions backendOptions() {
        return new BackendOptions(0, Integer.getInteger("gptneo.test.openclPlatform", -1),
                Integer.getInteger("gptneo.test.openclDevice", -1));
    }

    /** max |a[i] - b[i]|. */
    public static double maxAbsDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
