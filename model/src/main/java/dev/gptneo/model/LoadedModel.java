package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.DType;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model ready to generate text: the graph on its backend and the tokenizer that goes with it,
 * opened from a model spec — a Hugging Face folder, or {@code synthetic:125m} /
 * {@code synthetic:tiny} for seeded random weights of those shapes. It owns the model's backend.
 */
public record LoadedModel(String name, GptNeoModel model, Gpt2Tokenizer tokenizer) implements AutoCloseable {

    /** Seed of the synthetic models: the same weights on every machine. */
    public static final long SYNTHETIC_SEED = 125;

    /** Where a synthetic model finds its GPT-2 tokenizer files unless told otherwise. */
    public static final String TOKENIZER_PROPERTY = "gptneo.tokenizer";

    /**
     * Opens {@code spec} on {@code backend}.
     *
     * @param dtype for a synthetic model, the format its weights are made in (null: f32); for
     *     any model, {@link DType#Q8_0} quantizes the matrices at load. A folder's own weights
     *     are otherwise kept in their stored format.
     * @throws CheckpointException for a folder that cannot be loaded, naming file and tensor
     */
    public static LoadedModel open(String spec, Backend backend, DType dtype) throws IOException {
        DType quantize = dtype == DType.Q8_0 ? DType.Q8_0 : null;
        if (spec.startsWith("synthetic:")) {
            GptNeoConfig config = switch (spec) {
                case "synthetic:125m" -> GptNeoConfig.gptNeo125m();
                case "synthetic:tiny" -> GptNeoConfig.tiny();
                default -> throw new IllegalArgumentException("unknown synthetic model '" + spec
                        + "' (expected synthetic:125m or synthetic:tiny)");
            };
            DType made = dtype == null || dtype == DType.Q8_0 ? DType.F32 : dtype;
            Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(syntheticTokenizerDir());
            GptNeoModel model = GptNeoModel.fromSource(config, new SyntheticWeights(SYNTHETIC_SEED, made), backend, quantize);
            return new LoadedModel(spec, model, tokenizer);
        }
        Path dir = Path.of(spec);
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(spec + ": not a model folder (expected a Hugging Face GPT-Neo folder, "
                    + "synthetic:125m or synthetic:tiny)");
        }
        if (dtype != null && dtype != DType.Q8_0) {
            throw new IllegalArgumentException("--dtype " + dtype.userName()
                    + " applies to synthetic models; a checkpoint keeps its stored format (use --dtype q8 to quantize)");
        }
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(dir);
        return new LoadedModel(dir.getFileName().toString(), GptNeoModel.load(dir, backend, quantize), tokenizer);
    }

    /**
     * The tokenizer folder for synthetic models: {@code -Dgptneo.tokenizer}, else
     * {@code $GPTNEO_TOKENIZER}, else the GPT-2 files in {@code ../shared/fixtures/gpt2-bpe}.
     */
    static Path syntheticTokenizerDir() {
        String dir = System.getProperty(TOKENIZER_PROPERTY, System.getenv("GPTNEO_TOKENIZER"));
        return Path.of(dir != null ? dir : "../shared/fixtures/gpt2-bpe");
    }

    /** Frees the model and closes its backend. */
    @Override
    public void close() {
        model.close();
        model.backend().close();
    }
}
