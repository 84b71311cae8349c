package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.gptneo.client.GenerationRequest;
import dev.gptneo.proto.v1.GenerateRequest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A malformed call's body is one protobuf refuses, and otherwise the request it was made from. */
class LoadCallsTest {

    @Test
    void theMalformedBodyIsNotAGenerateRequestBecauseOfItsPromptText() throws Exception {
        GenerateRequest request = GenerationRequest.builder().promptIds(1, 2, 3).greedy().maxNewTokens(5).ignoreEos()
                .build().toProto();
        byte[] body = LoadCalls.malformedBody(request);
        InvalidProtocolBufferException refused = assertThrows(InvalidProtocolBufferException.class,
                () -> GenerateRequest.parseFrom(body));
        assertTrue(refused.getMessage().contains("UTF-8"), refused::getMessage);
        // All but the last 4 bytes (prompt_text's tag, length and 2 bytes) are the request without its prompt.
        GenerateRequest rest = GenerateRequest.parseFrom(Arrays.copyOf(body, body.length - 4));
        assertEquals(request.toBuilder().clearPrompt().build(), rest);
    }
}
