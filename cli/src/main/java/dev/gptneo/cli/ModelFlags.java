package dev.gptneo.cli;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.Backends;
import dev.gptneo.kernels.DType;
import dev.gptneo.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/** The options every model-running sub-command shares: which model, on which backend, how. */
final class ModelFlags {

    /** Options that take a value. */
    static final Set<String> VALUED = Set.of("--model", "--tokenizer", "--backend", "--threads", "--dtype",
            "--opencl-platform", "--opencl-device");

    static final String USAGE = """
              --model DIR|synthetic:125m|synthetic:tiny   a Hugging Face GPT-Neo folder, or seeded random weights
              --tokenizer DIR     vocab.json + merges.txt, or tokenizer.json, to use instead of the model's own
                                  (default: the model folder's files, else the built-in GPT-2 tokenizer)
              --backend NAME      %s (default: the fastest available)
              --threads N         CPU worker threads (default: all cores)
              --dtype f32|bf16|f16|q8   synthetic weights' format; q8 quantizes any model's matrices at load
              --opencl-platform I, --opencl-device I   OpenCL device choice (default: first GPU, else first device)
            """.formatted(String.join(", ", Backends.names()));

    private ModelFlags() {
    }

    static BackendOptions backendOptions(Options options) throws UsageException {
        return new BackendOptions(options.intValue("--threads", 0),
                options.intValue("--opencl-platform", -1), options.intValue("--opencl-device", -1));
    }

    static Backend backend(Options options) throws UsageException {
        return Backends.create(options.get("--backend", null), backendOptions(options));
    }

    static DType dtype(Options options) {
        String name = options.get("--dtype", null);
        return name == null ? null : DType.fromUserName(name);
    }

    /** The {@code --tokenizer} folder, or null for the model's own tokenizer. */
    static Path tokenizerDir(Options options) {
        String dir = options.get("--tokenizer", null);
        return dir == null ? null : Path.of(dir);
    }

    /** Opens the model on a new backend; closing the result closes both. */
    static LoadedModel open(Options options) throws UsageException, IOException {
        String spec = options.required("--model");
        DType dtype = dtype(options);
        Backend backend = backend(options);
        try {
            return LoadedModel.open(spec, tokenizerDir(options), backend, dtype);
        } catch (IOException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }
}
