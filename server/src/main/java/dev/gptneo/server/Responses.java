package dev.gptneo.server;

import dev.gptneo.model.engine.CompletionCollector.Completion;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import dev.gptneo.proto.v1.CompleteResponse;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.Timings;
import dev.gptneo.proto.v1.Token;
import dev.gptneo.proto.v1.TopLogprob;

/** The model's results as gptneo.v1 messages. */
final class Responses {

    private Responses() {
    }

    static GenerateResponse step(GeneratedToken token, String textDelta) {
        return GenerateResponse.newBuilder().addTokens(token(token)).setTextDelta(textDelta).build();
    }

    /** The end of a generation run with {@code params}: its seed is reported when it sampled. */
    static GenerateResponse last(String textDelta, StopReason reason, TokenUsage usage, GenerationParams params) {
        GenerateResponse.Builder response = GenerateResponse.newBuilder()
                .setTextDelta(textDelta)
                .setFinishReason(finishReason(reason))
                .setUsage(usage(usage))
                .setTimings(timings(usage));
        if (params.sample()) {
            response.setSeed(params.seed());
        }
        return response.build();
    }

    static CompleteResponse complete(Completion completion, GenerationParams params) {
        CompleteResponse.Builder response = CompleteResponse.newBuilder()
                .setText(completion.text())
                .setFinishReason(finishReason(completion.reason()))
                .setUsage(usage(completion.usage()))
                .setTimings(timings(completion.usage()));
        if (params.sample()) {
            response.setSeed(params.seed());
        }
        completion.tokens().forEach(t -> response.addTokens(token(t)));
        return response.build();
    }

    static Token token(GeneratedToken token) {
        Token.Builder proto = Token.newBuilder()
                .setId(token.id())
                .setText(token.text())
                .setLogprob(token.logprob())
                .setSpecial(token.special());
        for (GeneratedToken.Alternative alt : token.top()) {
            proto.addTopLogprobs(TopLogprob.newBuilder().setId(alt.id()).setText(alt.text()).setLogprob(alt.logprob()));
        }
        return proto.build();
    }

    private static dev.gptneo.proto.v1.FinishReason finishReason(StopReason reason) {
        return switch (reason) {
            case LENGTH -> dev.gptneo.proto.v1.FinishReason.LENGTH;
            case EOS -> dev.gptneo.proto.v1.FinishReason.EOS;
            case STOP_SEQUENCE -> dev.gptneo.proto.v1.FinishReason.STOP_SEQUENCE;
            // A cancelled call has no reader left to tell.
            case CANCELLED -> dev.gptneo.proto.v1.FinishReason.FINISH_REASON_UNSPECIFIED;
        };
    }

    private static dev.gptneo.proto.v1.Usage usage(TokenUsage usage) {
        return dev.gptneo.proto.v1.Usage.newBuilder()
                .setPromptTokens(usage.promptTokens())
                .setGeneratedTokens(usage.generatedTokens())
                .build();
    }

    private static Timings timings(TokenUsage usage) {
        return Timings.newBuilder()
                .setTimeToFirstTokenMs(usage.timeToFirstTokenNanos() / 1e6)
                .setTotalMs(usage.totalNanos() / 1e6)
                .setTokensPerSecond(usage.decodeTokensPerSecond())
                .build();
    }
}
