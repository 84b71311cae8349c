package dev.gptneo.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams.Decoding;
import java.util.List;
import org.junit.jupiter.api.Test;

class GenerationRequestTest {

    @Test
    void leavesUnsetFieldsToTheServer() {
        GenerateRequest r = GenerationRequest.builder().prompt("Hi").build().toProto();
        assertEquals("Hi", r.getPromptText());
        assertEquals(Decoding.DECODING_UNSPECIFIED, r.getSampling().getDecoding());
        assertFalse(r.getSampling().hasTemperature());
        assertFalse(r.getSampling().hasSeed());
        assertFalse(r.getStopping().hasMaxNewTokens());
    }

    @Test
    void mapsEveryOption() {
        GenerateRequest r = GenerationRequest.builder().promptIds(1, 2).sample().temperature(0.8).topK(5).topP(0.9)
                .repetitionPenalty(1.2).seed(7).maxNewTokens(32).minNewTokens(2).stop("\n", "END").ignoreEos()
                .topLogprobs(3).requestId("r1").build().toProto();
        assertEquals(List.of(1, 2), r.getPromptIds().getIdsList());
        assertEquals(Decoding.SAMPLE, r.getSampling().getDecoding());
        assertEquals(0.8, r.getSampling().getTemperature());
        assertEquals(5, r.getSampling().getTopK());
        assertEquals(0.9, r.getSampling().getTopP());
        assertEquals(1.2, r.getSampling().getRepetitionPenalty());
        assertEquals(7, r.getSampling().getSeed());
        assertEquals(32, r.getStopping().getMaxNewTokens());
        assertEquals(2, r.getStopping().getMinNewTokens());
        assertEquals(List.of("\n", "END"), r.getStopping().getStopList());
        assertTrue(r.getStopping().getIgnoreEos());
        assertEquals(3, r.getTopLogprobs());
        assertEquals("r1", r.getRequestId());
    }
}
