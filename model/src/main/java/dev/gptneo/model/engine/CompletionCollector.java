package dev.gptneo.model.engine;

import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.StopReason;
import dev.gptneo.model.generate.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Gathers a whole generation for callers that want the result, not the stream. */
public final class CompletionCollector implements RequestListener {

    /** A finished generation: every token, the text (the deltas joined), why it ended, the usage. */
    public record Completion(List<GeneratedToken> tokens, String text, StopReason reason, TokenUsage usage) {
    }

    private final List<GeneratedToken> tokens = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();
    private final CompletableFuture<Completion> result = new CompletableFuture<>();

    /** Completes when the generation ends, exceptionally if it failed. */
    public CompletableFuture<Completion> result() {
        return result;
    }

    @Override
    public void onToken(GeneratedToken token, String textDelta) {
        tokens.add(token);
        text.append(textDelta);
    }

    @Override
    public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
        text.append(textDelta);
        result.complete(new Completion(List.copyOf(tokens), text.toString(), reason, usage));
    }

    @Override
    public void onFailure(Throwable cause) {
        result.completeExceptionally(cause);
    }
}
