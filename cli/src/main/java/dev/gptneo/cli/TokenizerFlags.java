package dev.gptneo.cli;

import dev.gptneo.model.LoadedModel;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which tokenizer {@code tokenize} and {@code detokenize} use: a model folder's, a tokenizer folder, or GPT-2's. */
final class TokenizerFlags {

    @Option(names = "--model", paramLabel = "DIR", description = "the tokenizer of this model folder (default: none, see --tokenizer)")
    String model;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "vocab.json + merges.txt, or tokenizer.json (default: the model folder's files, else"
                    + " the built-in GPT-2 tokenizer)")
    Path tokenizer;

    Gpt2Tokenizer open() throws IOException {
        return LoadedModel.tokenizer(model, tokenizer);
    }
}
