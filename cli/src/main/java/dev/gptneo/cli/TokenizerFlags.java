package dev.gptneo.cli;

import dev.gptneo.model.LoadedModel;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Which tokenizer {@code tokenize} and {@code detokenize} use: a model folder's or a Hub model's,
 * a tokenizer folder, or GPT-2's.
 */
final class TokenizerFlags {

    @Option(names = "--model", paramLabel = "DIR|ORG/NAME[@REV]",
            description = "the tokenizer of this model folder, or of this Hub model (fetched into the Hugging Face"
                    + " cache when missing) (default: none, see --tokenizer)")
    String model;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "vocab.json + merges.txt, or tokenizer.json (default: the model folder's files, else"
                    + " the built-in GPT-2 tokenizer)")
    Path tokenizer;

    // The command this mixin is in: a Hub download draws its progress on that command's stderr.
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    Gpt2Tokenizer open(Main.Streams io) throws IOException {
        try (DownloadProgressBar progress = HubAccess.progressBar(command)) {
            return LoadedModel.tokenizer(model, tokenizer, HubAccess.downloader(io, progress));
        }
    }
}
