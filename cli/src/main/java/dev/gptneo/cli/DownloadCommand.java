package dev.gptneo.cli;

import com.google.gson.JsonObject;
import dev.gptneo.model.hub.HubModelId;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gptneo download ORG/NAME[@REV]}: fetches a model into the Hugging Face cache and prints its folder. */
@Command(name = "download", description = {"fetch a model from the Hugging Face Hub into its cache",
        "Asks the Hub which commit the revision (default main) is now and fetches what the cache lacks of it:"
                + " config.json, the safetensors weights (else pytorch_model.bin), the tokenizer and generation-config"
                + " files; never Flax, TensorFlow, Rust or ONNX weights. Prints the snapshot folder. Uses HF_HUB_CACHE"
                + " (else $HF_HOME/hub, else ~/.cache/huggingface/hub), HF_ENDPOINT, HF_TOKEN; with HF_HUB_OFFLINE=1,"
                + " only checks the cache. An interrupted download resumes where it stopped."})
final class DownloadCommand extends SubCommand {

    @Parameters(index = "0", paramLabel = "ORG/NAME[@REV]", description = "the model on the Hub, e.g. "
            + HubModelId.DEFAULT_MODEL + " or " + HubModelId.DEFAULT_MODEL + "@main")
    String model;

    @Option(names = "--json", description = "print {\"model\", \"revision\", \"commit\", \"snapshot\"} instead of the folder")
    boolean json;

    @Spec
    CommandSpec spec;

    DownloadCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        HubModelId id;
        try {
            id = HubModelId.parse(model);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Path snapshot;
        try (DownloadProgressBar progress = HubAccess.progressBar(spec)) {
            snapshot = HubAccess.downloader(io, progress).get().download(id);
        }
        if (json) {
            JsonObject result = new JsonObject();
            result.addProperty("model", id.repo());
            result.addProperty("revision", id.revision());
            result.addProperty("commit", snapshot.getFileName().toString());
            result.addProperty("snapshot", snapshot.toAbsolutePath().toString());
            io.out().println(result);
        } else {
            io.out().println(snapshot.toAbsolutePath());
        }
        return 0;
    }
}
