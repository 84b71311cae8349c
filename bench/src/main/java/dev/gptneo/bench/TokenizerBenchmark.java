package dev.gptneo.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-threaded encoding throughput of our tokenizer against JTokkit's r50k_base (the same
 * GPT-2 vocabulary), one operation = one pass over the whole corpus. {@link BenchMain} turns the
 * ops/s into MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class TokenizerBenchmark {
    /** The {@link #corpus} value that means the sample bundled in this jar. */
    static final String BUNDLED_SAMPLE = "bundled-sample";

    /**
     * The text to encode: a file, or {@value #BUNDLED_SAMPLE} for testdata/tokenizer/bench-sample.txt
     * (the bench pom bundles it, so the benchmark runs from any folder).
     */
    @Param(BUNDLED_SAMPLE)
    public String corpus;

    private String text;
    private Gpt2Tokenizer gptneo;
    private Encoding jtokkit;

    /** Loads both tokenizers and checks that they agree on the corpus, so that both do the same work. */
    @Setup
    public void setUp() throws IOException {
        text = corpusText(corpus);
        gptneo = Gpt2Tokenizer.gpt2();
        jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        int ours = gptneo.encodeOrdinary(text).length;
        int theirs = jtokkit.encodeOrdinary(text).size();
        if (ours != theirs) {
            throw new IllegalStateException("token counts differ: gptneo " + ours + ", jtokkit " + theirs);
        }
        System.out.println("tokens in corpus: " + ours + " (both)");
    }

    /** The text a {@link #corpus} value names. */
    static String corpusText(String corpus) throws IOException {
        if (!corpus.equals(BUNDLED_SAMPLE)) {
            return Files.readString(Path.of(corpus));
        }
        try (InputStream in = TokenizerBenchmark.class.getResourceAsStream("bench-sample.txt")) {
            if (in == null) {
                throw new IOException("resource dev/gptneo/bench/bench-sample.txt is missing from the bench jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Our tokenizer, plain text mode. */
    @Benchmark
    public int[] gptneoEncodeOrdinary() {
        return gptneo.encodeOrdinary(text);
    }

    /** JTokkit 1.1.0, r50k_base. */
    @Benchmark
    public IntArrayList jtokkitEncodeOrdinary() {
        return jtokkit.encodeOrdinary(text);
    }
}
