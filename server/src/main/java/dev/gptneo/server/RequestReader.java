package dev.gptneo.server;

import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.GenerationParams.Violation;
import dev.gptneo.model.generate.InvalidRequestException;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads a GenerateRequest into prompt ids and generation parameters, filling the documented
 * defaults, and reports every broken rule at once with the field paths of the .proto.
 */
final class RequestReader {

    static final int MAX_STOP_SEQUENCES = 16;
    static final int MAX_STOP_LENGTH = 256;
    static final int MAX_REQUEST_ID_LENGTH = 128;

    /** The model's names for request fields, mapped to where they sit in GenerateRequest. */
    private static final Map<String, String> FIELD_PATHS = Map.of(
            "max_new_tokens", "stopping.max_new_tokens",
            "min_new_tokens", "stopping.min_new_tokens",
            "stop", "stopping.stop",
            "temperature", "sampling.temperature",
            "top_k", "sampling.top_k",
            "top_p", "sampling.top_p",
            "repetition_penalty", "sampling.repetition_penalty",
            "prompt_ids", "prompt_ids.ids");

    /** A request ready for the engine. */
    record Parsed(int[] promptIds, GenerationParams params) {
    }

    private RequestReader() {
    }

    /** @throws InvalidRequestException naming every rule the request breaks */
    static Parsed read(GenerateRequest request, LoadedModel model) {
        List<Violation> violations = new ArrayList<>();
        int[] prompt = switch (request.getPromptCase()) {
            case PROMPT_TEXT -> model.tokenizer().encode(request.getPromptText());
            case PROMPT_IDS -> request.getPromptIds().getIdsList().stream().mapToInt(Integer::intValue).toArray();
            case PROMPT_NOT_SET -> {
                violations.add(new Violation("prompt", "is required: set prompt_text or prompt_ids"));
                yield new int[] {model.tokenizer().eosId()};
            }
        };
        SamplingParams sampling = request.getSampling();
        double temperature = sampling.hasTemperature() ? sampling.getTemperature() : 1.0;
        boolean temperatureValid = temperature >= 0 && !Double.isInfinite(temperature);
        if (!temperatureValid) {
            violations.add(new Violation("sampling.temperature",
                    "must be a finite number >= 0 (0 means greedy), got " + temperature));
        }
        // Temperature 0 is the greedy limit; the model's own rule (> 0) then no longer applies.
        boolean sample = sampling.getDecoding() == SamplingParams.Decoding.SAMPLE && temperature != 0;
        StoppingCriteria stopping = request.getStopping();
        checkStops(stopping.getStopList(), violations);
        if (request.getRequestId().length() > MAX_REQUEST_ID_LENGTH) {
            violations.add(new Violation("request_id", "must be at most " + MAX_REQUEST_ID_LENGTH + " characters"));
        }
        GenerationParams.Builder builder = GenerationParams.builder()
                .minNewTokens(stopping.getMinNewTokens())
                .ignoreEos(stopping.getIgnoreEos())
                .stop(stopping.getStopList())
                .sample(sample)
                .seed(sampling.hasSeed() ? sampling.getSeed() : ThreadLocalRandom.current().nextLong())
                .topLogprobs(request.getTopLogprobs());
        // Unset fields keep the model's defaults; an invalid temperature was reported above.
        if (stopping.hasMaxNewTokens()) {
            builder.maxNewTokens(stopping.getMaxNewTokens());
        }
        if (sample && temperatureValid) {
            builder.temperature(temperature);
        }
        if (sampling.hasTopK()) {
            builder.topK(sampling.getTopK());
        }
        if (sampling.hasTopP()) {
            builder.topP(sampling.getTopP());
        }
        if (sampling.hasRepetitionPenalty()) {
            builder.repetitionPenalty(sampling.getRepetitionPenalty());
        }
        GenerationParams params = builder.build();
        for (Violation v : Generation.violations(model.model(), prompt, params)) {
            violations.add(new Violation(fieldPath(v.field(), request.getPromptCase()), v.description()));
        }
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        return new Parsed(prompt, params);
    }

    private static void checkStops(List<String> stops, List<Violation> violations) {
        if (stops.size() > MAX_STOP_SEQUENCES) {
            violations.add(new Violation("stopping.stop", "at most " + MAX_STOP_SEQUENCES + " stop strings, got "
                    + stops.size()));
        }
        for (int i = 0; i < stops.size(); i++) {
            if (stops.get(i).length() > MAX_STOP_LENGTH) {
                violations.add(new Violation("stopping.stop[" + i + "]", "must be at most " + MAX_STOP_LENGTH
                        + " characters, got " + stops.get(i).length()));
            }
        }
    }

    /** "top_p" → "sampling.top_p", "prompt_ids[3]" → "prompt_ids.ids[3]", "prompt" → the field used. */
    private static String fieldPath(String field, GenerateRequest.PromptCase promptCase) {
        if (field.equals("prompt")) {
            return promptCase == GenerateRequest.PromptCase.PROMPT_IDS ? "prompt_ids" : "prompt_text";
        }
        int index = field.indexOf('[');
        String name = index < 0 ? field : field.substring(0, index);
        return FIELD_PATHS.getOrDefault(name, name) + (index < 0 ? "" : field.substring(index));
    }
}
