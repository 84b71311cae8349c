package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gptneo.server.ServerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code serve}'s options reach the server's configuration. */
class ServeCommandTest {

    private static ServerConfig config(String... args) throws Exception {
        CommandLine line = Main.commandLine(null, System.out, System.err);
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        line.parseArgs(all);
        ServeCommand command = line.getSubcommands().get("serve").getCommand();
        return command.config();
    }

    @Test
    void tokenizerFolderIsPassedOn() throws Exception {
        assertEquals(Path.of("/models/tok"), config("--model", "synthetic:tiny", "--tokenizer", "/models/tok").tokenizer());
        assertNull(config("--model", "synthetic:tiny").tokenizer());
    }
}
