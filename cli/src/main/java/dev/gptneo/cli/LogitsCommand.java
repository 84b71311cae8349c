package dev.gptneo.cli;

import dev.gptneo.model.KvCache;
import dev.gptneo.model.LoadedModel;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptneo logits}: the last prompt position's logits, as little-endian float32, to a file;
 * the prompt as text (tokenized as {@code generate} does) or as ids.
 */
@Command(name = "logits", description = "write the last position's logits for a prompt as little-endian float32")
final class LogitsCommand extends SubCommand {

    @Mixin
    ModelFlags model;

    @Mixin
    PromptFlags prompt;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the logits (required)")
    Path file;

    LogitsCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        prompt.prompt(); // exactly one of --prompt and --prompt-ids, a usage error before the model loads
        try (LoadedModel loaded = model.open(); KvCache cache = loaded.model().newCache()) {
            int[] ids = prompt.promptIds(loaded.tokenizer());
            float[] logits = new float[loaded.model().config().vocabSize()];
            loaded.model().forward(cache, ids, logits);
            ByteBuffer bytes = ByteBuffer.allocate(4 * logits.length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(logits);
            Files.write(file, bytes.array());
            new PrintStream(io.out(), true).printf("wrote %d logits to %s%n", logits.length, file);
        }
        return 0;
    }
}
