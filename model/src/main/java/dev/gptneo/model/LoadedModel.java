package dev.gptneo.model;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.DType;
import dev.gptneo.model.checkpoint.Checkpoint;
import dev.gptneo.model.hub.DownloadProgress;
import dev.gptneo.model.hub.HubDownloader;
import dev.gptneo.model.hub.HubModelId;
import dev.gptneo.model.hub.HubSettings;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * A model ready to generate text: the graph on its backend and the tokenizer that goes with it,
 * opened from a model spec — a Hugging Face folder, a model on the Hub ({@code ORG/NAME} or
 * {@code ORG/NAME@REVISION}, loaded from the Hugging Face cache and fetched into it when missing),
 * or {@code synthetic:125m} / {@code synthetic:tiny} for seeded random weights of those shapes. An
 * existing folder always wins over a Hub id of the same name. It owns the model's backend.
 */
public record LoadedModel(String name, GptNeoModel model, Gpt2Tokenizer tokenizer) implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LoadedModel.class.getName());

    /** Seed of the synthetic models: the same weights on every machine. */
    public static final long SYNTHETIC_SEED = 125;

    /** Opens {@code spec} on {@code backend} with the tokenizer it comes with; see the five-argument form. */
    public static LoadedModel open(String spec, Backend backend, DType dtype) throws IOException {
        return open(spec, null, backend, dtype);
    }

    /**
     * Opens {@code spec} on {@code backend}, a Hub id through the environment's Hub settings with
     * a log line per file fetched (a server's case); see the five-argument form.
     */
    public static LoadedModel open(String spec, Path tokenizerDir, Backend backend, DType dtype) throws IOException {
        return open(spec, tokenizerDir, backend, dtype, LoadedModel::environmentHub);
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
     * @param hub where a Hub id is resolved, asked for only when {@code spec} is one
     * @throws CheckpointException for a folder that cannot be loaded, naming file and tensor
     * @throws dev.gptneo.model.hub.HubException for a Hub model that cannot be had (offline and
     *     not cached, not found, gated), in one line saying what to do
     */
    public static LoadedModel open(String spec, Path tokenizerDir, Backend backend, DType dtype,
            Supplier<HubDownloader> hub) throws IOException {
        DType quantize = dtype == DType.Q8_0 ? DType.Q8_0 : null;
        if (spec.startsWith("synthetic:")) {
            GptNeoConfig config = switch (spec) {
                case "synthetic:125m" -> GptNeoConfig.gptNeo125m();
                case "synthetic:tiny" -> GptNeoConfig.tiny();
                default -> throw new IllegalArgumentException("unknown synthetic model '" + spec
                        + "' (expected synthetic:125m or synthetic:tiny)");
            };
            DType made = dtype == null || dtype == DType.Q8_0 ? DType.F32 : dtype;
            Gpt2Tokenizer tokenizer = tokenizerOf(null, tokenizerDir);
            requireVocabularyFits(config, tokenizer, spec);
            GptNeoModel model = loaded(spec, config, new SyntheticWeights(SYNTHETIC_SEED, made), backend, quantize);
            return new LoadedModel(spec, model, tokenizer);
        }
        if (dtype != null && dtype != DType.Q8_0) {
            throw new IllegalArgumentException("--dtype " + dtype.userName()
                    + " applies to synthetic models; a checkpoint keeps its stored format (use --dtype q8 to quantize)");
        }
        Path dir = folder(spec, hub);
        Gpt2Tokenizer tokenizer = tokenizerOf(dir, tokenizerDir);
        GptNeoConfig config = GptNeoConfig.load(dir);
        requireVocabularyFits(config, tokenizer, dir.resolve("config.json").toString());
        String name = Files.isDirectory(Path.of(spec)) ? dir.getFileName().toString() : spec;
        GptNeoModel model = loaded(name, config, Checkpoint.open(dir), backend, quantize);
        return new LoadedModel(name, model, tokenizer);
    }

    /** The model on its backend, with a log line before and after: a large checkpoint takes a while to pack. */
    private static GptNeoModel loaded(String name, GptNeoConfig config, WeightSource weights, Backend backend,
            DType quantize) {
        LOG.log(System.Logger.Level.INFO, "loading " + name + " (" + config.layers() + " layers, hidden "
                + config.hidden() + ")" + (quantize != null ? ", quantizing to " + quantize.userName() : "") + "…");
        long start = System.nanoTime();
        GptNeoModel model = GptNeoModel.fromSource(config, weights, backend, quantize);
        LOG.log(System.Logger.Level.INFO, String.format(Locale.ROOT, "loaded %s in %.1f s", name,
                (System.nanoTime() - start) / 1e9));
        return model;
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
     * null, else the model folder's (or Hub snapshot's) own files, else (a synthetic model, a
     * folder without tokenizer files, or no spec at all) the built-in GPT-2 tokenizer, which
     * GPT-Neo uses unchanged. A Hub id is resolved through {@code hub} (fetched when missing).
     *
     * @throws CheckpointException if {@code spec} is neither synthetic, a folder nor a Hub id
     */
    public static Gpt2Tokenizer tokenizer(String spec, Path tokenizerDir, Supplier<HubDownloader> hub) throws IOException {
        boolean model = spec != null && !spec.startsWith("synthetic:") && tokenizerDir == null;
        return tokenizerOf(model ? folder(spec, hub) : null, tokenizerDir);
    }

    /** {@code tokenizerDir}'s files, else {@code modelDir}'s (null: none), else the built-in GPT-2 tokenizer. */
    private static Gpt2Tokenizer tokenizerOf(Path modelDir, Path tokenizerDir) throws IOException {
        if (tokenizerDir != null) {
            return Gpt2Tokenizer.load(tokenizerDir);
        }
        if (modelDir != null && Gpt2Tokenizer.hasTokenizerFiles(modelDir)) {
            return Gpt2Tokenizer.load(modelDir);
        }
        LOG.log(System.Logger.Level.INFO, "tokenizer: the built-in GPT-2 vocabulary"
                + (modelDir != null ? " (" + modelDir + " has no tokenizer files)" : ""));
        return Gpt2Tokenizer.gpt2();
    }

    /**
     * The folder a spec that is not synthetic names: an existing folder as it is; else, written as
     * {@code ORG/NAME[@REVISION]}, the Hub model's snapshot in the cache, fetched into it when
     * missing (unless offline).
     *
     * @throws CheckpointException when it is neither
     */
    public static Path folder(String spec, Supplier<HubDownloader> hub) throws IOException {
        Path dir = Path.of(spec);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        if (HubModelId.looksLikeHubId(spec)) {
            HubModelId id;
            try {
                id = HubModelId.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(e.getMessage() + " (and no folder of that name)");
            }
            return hub.get().snapshot(id);
        }
        throw new CheckpointException(spec + ": not a model folder (expected a Hugging Face GPT-Neo folder, "
                + "ORG/NAME[@REVISION] on the Hub, synthetic:125m or synthetic:tiny)");
    }

    /** The Hub as this process's environment sets it, reporting in log lines: a server's. */
    private static HubDownloader environmentHub() {
        return new HubDownloader(HubSettings.fromEnvironment(), DownloadProgress.logged());
    }

    /** Frees the model and closes its backend. */
    @Override
    public void close() {
        model.close();
        model.backend().close();
    }
}
