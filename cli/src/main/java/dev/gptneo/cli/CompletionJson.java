package dev.gptneo.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.gptneo.model.engine.CompletionCollector.Completion;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.StopReason;
import java.util.Locale;

/**
 * A finished generation as JSON, the one format of {@code generate --json} and of each line
 * {@code generate --prompts-file} writes. Field names follow the gRPC API's (Usage, Token,
 * TopLogprob).
 */
final class CompletionJson {

    /** Without Gson's HTML escaping of {@code <} and {@code >}: {@code <|endoftext|>} stays readable in the text. */
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private CompletionJson() {
    }

    /**
     * Adds {@code "ids"}, {@code "text"}, {@code "finish_reason"} (length, eos, stop),
     * {@code "usage": {"prompt_tokens", "generated_tokens"}} and, when {@code params} sampled,
     * the {@code "seed"} that repeats the run, to {@code json}; with {@code params.topLogprobs() > 0}
     * each token's logprob and alternatives as {@code "tokens"}.
     */
    static JsonObject addTo(JsonObject json, Completion completion, GenerationParams params) {
        JsonArray ids = new JsonArray();
        completion.tokens().forEach(t -> ids.add(t.id()));
        json.add("ids", ids);
        json.addProperty("text", completion.text());
        json.addProperty("finish_reason", finishReason(completion.reason()));
        JsonObject usage = new JsonObject();
        usage.addProperty("prompt_tokens", completion.usage().promptTokens());
        usage.addProperty("generated_tokens", completion.usage().generatedTokens());
        json.add("usage", usage);
        if (params.sample()) {
            json.addProperty("seed", params.seed());
        }
        if (params.topLogprobs() > 0) {
            JsonArray tokens = new JsonArray();
            completion.tokens().forEach(t -> tokens.add(token(t)));
            json.add("tokens", tokens);
        }
        return json;
    }

    /**
     * One generation's object, {@code generate --json}'s and {@code client generate --json}'s:
     * {@link #addTo}'s fields, and {@code "timings": {"time_to_first_token_ms", "total_ms"}} (from
     * the start of prompt processing, as the API's Timings). Not in {@code --prompts-file} lines,
     * which stay the same from run to run for the same input.
     */
    static JsonObject withTimings(Completion completion, GenerationParams params) {
        JsonObject json = addTo(new JsonObject(), completion, params);
        JsonObject timings = new JsonObject();
        timings.addProperty("time_to_first_token_ms", millis(completion.usage().timeToFirstTokenNanos()));
        timings.addProperty("total_ms", millis(completion.usage().totalNanos()));
        json.add("timings", timings);
        return json;
    }

    /** Milliseconds to the microsecond: the clock's noise is far above that. */
    private static double millis(long nanos) {
        return Math.round(nanos / 1e3) / 1e3;
    }

    private static String finishReason(StopReason reason) {
        return reason == StopReason.STOP_SEQUENCE ? "stop" : reason.name().toLowerCase(Locale.ROOT);
    }

    private static JsonObject token(GeneratedToken token) {
        JsonObject t = candidate(token.id(), token.text(), token.logprob());
        JsonArray top = new JsonArray();
        token.top().forEach(alt -> top.add(candidate(alt.id(), alt.text(), alt.logprob())));
        t.add("top_logprobs", top);
        return t;
    }

    private static JsonObject candidate(int id, String text, float logprob) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("text", text);
        o.addProperty("logprob", logprob);
        return o;
    }
}
