package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gptneo.server.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code serve}'s options reach the server's configuration. */
class ServeCommandTest {

    private static ServerConfig config(String... args) throws UsageException {
        return ServeCommand.config(Options.parse(List.of(args), ServeCommand.OPTIONS, Set.of()));
    }

    @Test
    void tokenizerFolderIsPassedOn() throws UsageException {
        assertEquals(Path.of("/models/tok"), config("--model", "synthetic:tiny", "--tokenizer", "/models/tok").tokenizer());
        assertNull(config("--model", "synthetic:tiny").tokenizer());
    }
}
