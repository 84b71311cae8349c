package dev.gptneo.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.Backends;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The project's reference data in {@code testdata/} (found through the {@code gptneo.testdata}
 * property): the checkpoints and their float64 expectations, computed by an independent PyTorch
 * implementation, and tiktoken's tokenizer cases (never by our code).
 */
public final class Fixtures {

    public static final List<String> CHECKPOINTS = List.of("tiny-gpt-neo", "tiny-gpt-neo-f16", "tiny-gpt-neo-bf16");

    private Fixtures() {
    }

    public static Path testdata() {
        String dir = System.getProperty("gptneo.testdata");
        if (dir == null || !Files.isDirectory(Path.of(dir))) {
            throw new IllegalStateException("reference data not found at " + dir
                    + " (the parent pom sets -Dgptneo.testdata to the project's testdata/)");
        }
        return Path.of(dir);
    }

    public static Path checkpoint(String name) {
        return testdata().resolve(name);
    }

    /** One prompt of a fixture's expected.json; top10 are the reference's ten largest last logits. */
    public record Case(String checkpoint, int index, int[] inputIds, float[] lastLogits, int[] top10Ids,
                       double[] top10Logits, int[] greedyNewIds, String greedyNewText) {
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
                        ints(c.getAsJsonArray("top10_ids")), doubles(c.getAsJsonArray("top10_logits")),
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

    /**
     * GPT-2's {@code vocab.json} or {@code merges.txt} as the tokenizer module bundles them (not in
     * testdata/: one copy serves every fixture), for tests that need a tokenizer folder.
     */
    public static byte[] gpt2File(String name) {
        String resource = "/dev/gptneo/tokenizer/gpt2/" + name + ".gz";
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is not on the classpath");
            }
            return new GZIPInputStream(in).readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + resource, e);
        }
    }

    /** One line of testdata/tokenizer/cases.jsonl: tiktoken's ids for a text, with and without special tokens. */
    public record TokenizerCase(String text, int[] ids, int[] idsOrdinary) {
    }

    /** The case of cases.jsonl for exactly this text. */
    public static TokenizerCase tokenizerCase(String text) {
        Path file = testdata().resolve("tokenizer/cases.jsonl");
        try (Stream<String> lines = Files.lines(file)) {
            return lines.map(line -> JsonParser.parseString(line).getAsJsonObject())
                    .filter(c -> c.get("text").getAsString().equals(text))
                    .map(c -> new TokenizerCase(text, ints(c.getAsJsonArray("ids")), ints(c.getAsJsonArray("ids_ordinary"))))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(file + ": no case for \"" + text + "\""));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        int i = 0;
        for (JsonElement e : a) {
            out[i++] = e.getAsInt();
        }
        return out;
    }

    private static double[] doubles(JsonArray a) {
        return a.asList().stream().mapToDouble(JsonElement::getAsDouble).toArray();
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
