package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.scalar.ScalarBackend;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configured tokenizer folder reaches the model the server opens. */
class ModelModuleTest {
    private static final String FIXTURE = Fixtures.checkpoint("tiny-gpt-neo").toString();

    @Test
    void withoutATokenizerFolderTheFixtureGetsTheBuiltInTokenizer() {
        try (LoadedModel model = new ModelModule().model(ServerConfig.builder(FIXTURE).build(), new ScalarBackend())) {
            assertSame(Gpt2Tokenizer.gpt2(), model.tokenizer());
        }
    }

    @Test
    void theTokenizerFolderIsLoaded(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("vocab.json"), Fixtures.gpt2File("vocab.json"));
        Files.write(dir.resolve("merges.txt"), Fixtures.gpt2File("merges.txt"));
        try (LoadedModel model = new ModelModule().model(ServerConfig.builder(FIXTURE).tokenizer(dir).build(), new ScalarBackend())) {
            assertNotSame(Gpt2Tokenizer.gpt2(), model.tokenizer());
        }
    }

    @Test
    void aBadTokenizerFolderIsNamed(@TempDir Path dir) {
        var e = assertThrows(UncheckedIOException.class,
                () -> new ModelModule().model(ServerConfig.builder(FIXTURE).tokenizer(dir).build(), new ScalarBackend()));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }
}
