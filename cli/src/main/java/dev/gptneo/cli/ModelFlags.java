package dev.gptneo.cli;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.Backends;
import dev.gptneo.kernels.DType;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.hub.HubModelId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every model-running sub-command shares: which model, on which backend, how. */
final class ModelFlags {

    @Option(names = "--model", paramLabel = "DIR|ORG/NAME[@REV]|synthetic:125m",
            description = "a Hugging Face GPT-Neo folder; a model on the Hub, loaded from the Hugging Face cache and"
                    + " fetched into it when missing (see gptneo download); or synthetic:125m / synthetic:tiny, seeded"
                    + " random weights of that shape, which need no download (default: ${DEFAULT-VALUE})")
    String model = HubModelId.DEFAULT_MODEL;

    /** The command this is mixed into, for its streams, environment and stderr. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "vocab.json + merges.txt, or tokenizer.json, to use instead of the model's own"
                    + " (default: the model folder's files, else the built-in GPT-2 tokenizer)")
    Path tokenizer;

    @Option(names = "--backend", paramLabel = "NAME", completionCandidates = BackendNames.class,
            description = "${COMPLETION-CANDIDATES} (default: the fastest available)")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "CPU worker threads (default: all cores)")
    int threads = BackendOptions.DEFAULTS.threads();

    @Option(names = "--dtype", paramLabel = "f32|bf16|f16|q8",
            description = "synthetic weights' format; q8 quantizes any model's matrices at load"
                    + " (default: f32 for synthetic weights, a folder's stored format)")
    String dtype;

    @Option(names = "--opencl-platform", paramLabel = "I",
            description = "OpenCL platform index (default: the first GPU's, else the first device's)")
    int openclPlatform = BackendOptions.DEFAULTS.openclPlatform();

    @Option(names = "--opencl-device", paramLabel = "I",
            description = "OpenCL device index in the platform (default: the first GPU, else the first device)")
    int openclDevice = BackendOptions.DEFAULTS.openclDevice();

    /** The backend names, listed in the help as they are registered. */
    static final class BackendNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Backends.names().iterator();
        }
    }

    BackendOptions backendOptions() {
        return new BackendOptions(threads, openclPlatform, openclDevice);
    }

    /** The --dtype asked for, or null for the model's default. */
    DType dtype() {
        return dtype == null ? null : DType.fromUserName(dtype);
    }

    /** Opens the model on a new backend, a Hub model fetched first if missing; closing the result closes both. */
    LoadedModel open() throws IOException {
        DType format = dtype();
        Backend created = Backends.create(backend, backendOptions());
        try (DownloadProgressBar progress = HubAccess.progressBar(command)) {
            return LoadedModel.open(model, tokenizer, created, format, HubAccess.downloader(io(), progress));
        } catch (IOException | RuntimeException e) {
            created.close();
            throw e;
        }
    }

    /**
     * Makes sure a Hub model is in the cache, fetching it with the progress bar on stderr, for a
     * command that loads it elsewhere (serve, whose server then finds it there without a request).
     */
    void fetchIfHubModel() throws IOException {
        if (!model.startsWith("synthetic:")) {
            try (DownloadProgressBar progress = HubAccess.progressBar(command)) {
                LoadedModel.folder(model, HubAccess.downloader(io(), progress));
            }
        }
    }

    private Main.Streams io() {
        return ((SubCommand) command.userObject()).io;
    }
}
