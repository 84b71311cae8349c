package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams.Decoding;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The remote generation reads the same flags as the local one, into the wire request. */
class ClientCommandTest {

    /** The request {@code client generate} would send for {@code args}; the target is not contacted. */
    private static GenerateRequest request(String... args) throws UsageException {
        CommandLine line = Main.commandLine(null, System.out, System.err);
        line.parseArgs(Stream.concat(Stream.of("client", "generate", "--target", "localhost:1"), Stream.of(args))
                .toArray(String[]::new));
        ClientCommand.Generate command = line.getSubcommands().get("client").getSubcommands().get("generate").getCommand();
        return command.request().toProto();
    }

    @Test
    void greedyByDefault() throws Exception {
        GenerateRequest r = request("--prompt", "Hi", "--max-new-tokens", "5", "--ignore-eos", "--stop", ".");
        assertEquals("Hi", r.getPromptText());
        assertEquals(Decoding.GREEDY, r.getSampling().getDecoding());
        assertFalse(r.getSampling().hasTemperature());
        assertEquals(5, r.getStopping().getMaxNewTokens());
        assertTrue(r.getStopping().getIgnoreEos());
        assertEquals(List.of("."), r.getStopping().getStopList());
    }

    @Test
    void aSamplingOptionImpliesSampling() throws Exception {
        GenerateRequest r = request("--prompt-ids", "1,2,3", "--temperature", "0.7", "--seed", "9");
        assertEquals(List.of(1, 2, 3), r.getPromptIds().getIdsList());
        assertEquals(Decoding.SAMPLE, r.getSampling().getDecoding());
        assertEquals(0.7, r.getSampling().getTemperature());
        assertEquals(9, r.getSampling().getSeed());
    }

    @Test
    void needsExactlyOnePrompt() {
        assertThrows(UsageException.class, () -> request("--max-new-tokens", "5"));
    }
}
