package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams.Decoding;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The remote generation reads the same flags as the local one, into the wire request. */
class ClientCommandTest {

    private static GenerateRequest request(String... args) throws UsageException {
        Set<String> valued = new HashSet<>(GenerateCommand.SAMPLING_VALUED);
        valued.addAll(Set.of("--prompt", "--prompt-ids"));
        return ClientCommand.request(Options.parse(List.of(args), valued, GenerateCommand.SAMPLING_FLAGS)).toProto();
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
