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

/** {@code gptneo logits}: the last prompt position's logits, as little-endian float32, to a file. */
@Command(name = "logits", description = "write the last position's logits for a prompt as little-endian float32")
final class LogitsCommand extends SubCommand {

    @Mixin
    ModelFlags model;

    @Option(names = "--prompt-ids", required = true, paramLabel = "1,2,3",
            description = "the prompt as comma-separated token ids (required)")
    String promptIds;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the logits (required)")
    Path file;

    LogitsCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        int[] ids = PromptFlags.parseIds(promptIds);
        try (LoadedModel loaded = model.open(); KvCache cache = loaded.model().newCache()) {
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
