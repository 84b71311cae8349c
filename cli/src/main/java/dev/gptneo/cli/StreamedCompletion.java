package dev.gptneo.cli;

import dev.gptneo.model.engine.CompletionCollector.Completion;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import dev.gptneo.proto.v1.GenerateResponse;
import dev.gptneo.proto.v1.Token;
import java.util.ArrayList;
import java.util.List;

/**
 * A remote generation's stream gathered into the {@link Completion} a local one ends with, so
 * that {@code client generate --json} prints it through {@link CompletionJson} as
 * {@code generate --json} does: one format, written once.
 */
final class StreamedCompletion {

    private static final long NANOS_PER_MILLI = 1_000_000;

    private final List<GeneratedToken> tokens = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();
    private GenerateResponse last;

    /** Adds one message of the stream, in order. */
    void add(GenerateResponse message) {
        message.getTokensList().forEach(token -> tokens.add(token(token)));
        text.append(message.getTextDelta());
        last = message;
    }

    /** The last message, which carries the finish reason, usage, timings and seed; null before any. */
    GenerateResponse last() {
        return last;
    }

    /** The generation so far; after the stream's end, the whole of it. */
    Completion completion() {
        TokenUsage usage = new TokenUsage(last.getUsage().getPromptTokens(), last.getUsage().getGeneratedTokens(),
                Math.round(last.getTimings().getTimeToFirstTokenMs() * NANOS_PER_MILLI),
                Math.round(last.getTimings().getTotalMs() * NANOS_PER_MILLI));
        return new Completion(List.copyOf(tokens), text.toString(), reason(last), usage);
    }

    private static StopReason reason(GenerateResponse last) {
        return switch (last.getFinishReason()) {
            case LENGTH -> StopReason.LENGTH;
            case EOS -> StopReason.EOS;
            case STOP_SEQUENCE -> StopReason.STOP_SEQUENCE;
            case FINISH_REASON_UNSPECIFIED, UNRECOGNIZED -> StopReason.CANCELLED;
        };
    }

    private static GeneratedToken token(Token token) {
        List<GeneratedToken.Alternative> top = token.getTopLogprobsList().stream()
                .map(alt -> new GeneratedToken.Alternative(alt.getId(), alt.getText(), alt.getLogprob()))
                .toList();
        return new GeneratedToken(token.getId(), token.getText(), token.getLogprob(), top, token.getSpecial());
    }
}
