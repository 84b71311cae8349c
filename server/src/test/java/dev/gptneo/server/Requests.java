package dev.gptneo.server;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import dev.gptneo.proto.v1.TokenIds;
import java.util.Arrays;

/** Requests the tests send. */
final class Requests {

    private Requests() {
    }

    /** Greedy decoding of exactly {@code tokens} new tokens after {@code promptIds}. */
    static GenerateRequest greedy(int tokens, int... promptIds) {
        return GenerateRequest.newBuilder()
                .setPromptIds(TokenIds.newBuilder().addAllIds(Arrays.stream(promptIds).boxed().toList()))
                .setSampling(SamplingParams.newBuilder().setDecoding(SamplingParams.Decoding.GREEDY))
                .setStopping(StoppingCriteria.newBuilder().setMaxNewTokens(tokens).setIgnoreEos(true))
                .build();
    }
}
