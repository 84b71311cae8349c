package dev.gptneo.cli;

import dev.gptneo.model.KvCache;
import dev.gptneo.model.LoadedModel;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code gptneo logits}: the last prompt position's logits, as little-endian float32, to a file. */
final class LogitsCommand implements Command {

    @Override
    public String summary() {
        return "write the last position's logits for a prompt as little-endian float32";
    }

    @Override
    public String usage() {
        return """
                usage: gptneo logits --model SPEC --prompt-ids 1,2,3 --out FILE [--backend NAME]
                """ + ModelFlags.USAGE;
    }

    @Override
    public int run(List<String> args, InputStream in, OutputStream out) throws Exception {
        Set<String> valued = new HashSet<>(ModelFlags.VALUED);
        valued.addAll(Set.of("--prompt-ids", "--out"));
        Options options = Options.parse(args, valued, Set.of());
        int[] ids = PromptFlags.parseIds(options.required("--prompt-ids"));
        Path file = Path.of(options.required("--out"));
        try (LoadedModel loaded = ModelFlags.open(options); KvCache cache = loaded.model().newCache()) {
            float[] logits = new float[loaded.model().config().vocabSize()];
            loaded.model().forward(cache, ids, logits);
            ByteBuffer bytes = ByteBuffer.allocate(4 * logits.length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(logits);
            Files.write(file, bytes.array());
            new PrintStream(out, true).printf("wrote %d logits to %s%n", logits.length, file);
        }
        return 0;
    }
}
