package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.DType;
import dev.gptneo.model.checkpoint.Checkpoint;
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

    private static final System.Logger LOG = System.getLogger(LoadedModel.class.getName());

    /** Seed of the synthetic models: the same weights on every machine. */
    public static final long SYNTHETIC_SEED = 125;

    /** Opens {@code spec} on {@code backend} with the tokenizer it comes with; see the four-argument form. */
    public static LoadedModel open(String spec, Backend backend, DType dtype) throws IOException {
        return open(spec, null, backend, dtype);
    }

    /**
     * Opens {@code spec} on {@code backend}.
     *
     * @param tokenizerDir a folder of tokenizer files (vocab.json + merges.txt, or tokenizer.json)
     *     to use instead of the model's own; null: the model folder's files if it has any, else
     *     the built-in GPT-2 tokenizer
     * @param dtype for a synthetic model, the format its weights are made in (null: f32); for
     *     any model, {@link DType#Q8_0} quantizes the matrices at load. A folder's own weights
     *     are otherwise kept in their stored format.
     * @throws CheckpointException for a folder that cannot be loaded, naming file and tensor
     */
    public static LoadedModel open(String spec, Path tokenizerDir, Backend backend, DType dtype) throws IOException {
        DType quantize = dtype == DType.Q8_0 ? DType.Q8_0 : null;
        if (spec.startsWith("synthetic:")) {
            GptNeoConfig config = switch (spec) {
                case "synthetic:125m" -> GptNeoConfig.gptNeo125m();
                case "synthetic:tiny" -> GptNeoConfig.tiny();
                default -> throw new IllegalArgumentException("unknown synthetic model '" + spec
                        + "' (expected synthetic:125m or synthetic:tiny)");
            };
            DType made = dtype == null || dtype == DType.Q8_0 ? DType.F32 : dtype;
            Gpt2Tokenizer tokenizer = tokenizer(spec, tokenizerDir);
            requireVocabularyFits(config, tokenizer, spec);
            GptNeoModel model = GptNeoModel.fromSource(config, new SyntheticWeights(SYNTHETIC_SEED, made), backend, quantize);
            return new LoadedModel(spec, model, tokenizer);
        }
        Path dir = modelDir(spec);
        if (dtype != null && dtype != DType.Q8_0) {
            throw new IllegalArgumentException("--dtype " + dtype.userName()
                    + " applies to synthetic models; a checkpoint keeps its stored format (use --dtype q8 to quantize)");
        }
        Gpt2Tokenizer tokenizer = tokenizer(spec, tokenizerDir);
        GptNeoConfig config = GptNeoConfig.load(dir);
        requireVocabularyFits(config, tokenizer, dir.resolve("config.json").toString());
        GptNeoModel model = GptNeoModel.fromSource(config, Checkpoint.open(dir), backend, quantize);
        return new LoadedModel(dir.getFileName().toString(), model, tokenizer);
    }

    /**
     * A model must have a row for every token of its tokenizer. One with more rows is common
     * (vocabularies padded to a multiple of 64 or 128 for speed): the extra ids mean nothing, and
     * generation never samples them. One with fewer could not read or predict the tokenizer's last
     * ids, and is refused before its weights are loaded.
     *
     * @param where the model, for the message
     */
    private static void requireVocabularyFits(GptNeoConfig config, Gpt2Tokenizer tokenizer, String where) {
        if (config.vocabSize() < tokenizer.vocabSize()) {
            throw new CheckpointException(where + ": field \"vocab_size\": expected at least the tokenizer's "
                    + tokenizer.vocabSize() + " tokens, got " + config.vocabSize()
                    + " (the model has no row for its last ids; is --tokenizer the model's own?)");
        }
    }

    /**
     * The tokenizer that {@link #open} gives {@code spec}: the one in {@code tokenizerDir} if not
     * null, else the model folder's own files, else (a synthetic model, a folder without tokenizer
     * files, or no spec at all) the built-in GPT-2 tokenizer, which GPT-Neo uses unchanged.
     *
     * @throws CheckpointException if {@code spec} is neither synthetic nor a folder
     */
    public static Gpt2Tokenizer tokenizer(String spec, Path tokenizerDir) throws IOException {
        if (tokenizerDir != null) {
            return Gpt2Tokenizer.load(tokenizerDir);
        }
        if (spec != null && !spec.startsWith("synthetic:")) {
            Path dir = modelDir(spec);
            if (Gpt2Tokenizer.hasTokenizerFiles(dir)) {
                return Gpt2Tokenizer.load(dir);
            }
        }
        boolean folder = spec != null && !spec.startsWith("synthetic:");
        LOG.log(System.Logger.Level.INFO, "tokenizer: the built-in GPT-2 vocabulary"
                + (folder ? " (" + spec + " has no tokenizer files)" : ""));
        return Gpt2Tokenizer.gpt2();
    }

    private static Path modelDir(String spec) {
        Path dir = Path.of(spec);
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(spec + ": not a model folder (expected a Hugging Face GPT-Neo folder, "
                    + "synthetic:125m or synthetic:tiny)");
        }
        return dir;
    }

    /** Frees the model and closes its backend. */
    @Override
    public void close() {
        model.close();
        model.backend().close();
    }
}
