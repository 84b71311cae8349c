package dev.gptneo.server;

import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.GenerationParams;
import dev.gptneo.model.generate.GenerationParams.Violation;
import dev.gptneo.model.generate.InvalidRequestException;
import dev.gptneo.proto.v1.DetokenizeRequest;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import dev.gptneo.proto.v1.TokenizeRequest;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import java.util.stream.Collectors;

/**
 * Reads requests into what the model takes (prompt ids and generation parameters, text, ids),
 * filling the documented defaults, for one model; reports the broken rules with the field paths
 * of the .proto.
 *
 * <p>Size limits come first, and alone: a request that breaks one (a prompt that cannot fit the
 * context, too many or too long stop strings, a long request id) is refused before its prompt is
 * tokenized or its ids are looked at, so a large request costs little to refuse. The other rules
 * are then all reported at once, the first {@link InvalidRequestException#MAX_REPORTED} in full.
 */
final class RequestReader {

    static final int MAX_STOP_SEQUENCES = 16;
    /** In Unicode code points, so that an emoji counts one, as a reader would count it. */
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
            "repetition_penalty", "sampling.repetition_penalty");

    private static final String DECODINGS = Arrays.stream(SamplingParams.Decoding.values())
            .filter(d -> d != SamplingParams.Decoding.UNRECOGNIZED)
            .map(d -> d + " (" + d.getNumber() + ")")
            .collect(Collectors.joining(", "));

    /** A request ready for the engine. */
    record Parsed(int[] promptIds, GenerationParams params) {
    }

    private final LoadedModel model;
    private final int maxPositions;
    private final int vocabSize;
    private final int longestTokenBytes;

    RequestReader(LoadedModel model) {
        this.model = model;
        this.maxPositions = model.model().config().maxPositions();
        Gpt2Tokenizer tokenizer = model.tokenizer();
        this.vocabSize = tokenizer.vocabSize();
        int longest = 1;
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            longest = Math.max(longest, tokenizer.tokenBytes(id).length);
        }
        this.longestTokenBytes = longest;
    }

    /** The model these rules are for. */
    LoadedModel model() {
        return model;
    }

    /**
     * The most UTF-8 bytes a text can have and still fit the context: every token stands for at
     * most {@code longestTokenBytes} bytes of the text (special tokens for their own text), so a
     * longer text has more tokens than the context has positions, whatever it says. Refusing by
     * this bound never refuses a prompt that would fit, and costs no tokenization.
     */
    long maxTextBytes() {
        return (long) maxPositions * longestTokenBytes;
    }

    /** @throws InvalidRequestException naming the rules the request breaks */
    Parsed read(GenerateRequest request) {
        ViolationList violations = new ViolationList();
        checkSizes(request, violations);
        violations.throwIfAny();
        int[] prompt = switch (request.getPromptCase()) {
            case PROMPT_TEXT -> model.tokenizer().encode(request.getPromptText());
            case PROMPT_IDS -> ids(request.getPromptIds().getIdsCount(), request.getPromptIds()::getIds);
            case PROMPT_NOT_SET -> {
                violations.add("prompt", "is required: set prompt_text or prompt_ids");
                yield new int[] {model.tokenizer().eosId()};
            }
        };
        SamplingParams sampling = request.getSampling();
        if (sampling.getDecoding() == SamplingParams.Decoding.UNRECOGNIZED) {
            violations.add("sampling.decoding", "must be one of " + DECODINGS + ", got " + sampling.getDecodingValue());
        }
        double temperature = sampling.hasTemperature() ? sampling.getTemperature() : 1.0;
        boolean temperatureValid = temperature >= 0 && !Double.isInfinite(temperature);
        if (!temperatureValid) {
            violations.add("sampling.temperature", "must be a finite number >= 0 (0 means greedy), got " + temperature);
        }
        // Temperature 0 is the greedy limit; the model's own rule (> 0) then no longer applies.
        boolean sample = sampling.getDecoding() == SamplingParams.Decoding.SAMPLE && temperature != 0;
        StoppingCriteria stopping = request.getStopping();
        GenerationParams.Builder builder = GenerationParams.builder()
                .minNewTokens(stopping.getMinNewTokens())
                .ignoreEos(stopping.getIgnoreEos())
                .stop(stopping.getStopList())
                .sample(sample)
                .seed(sampling.hasSeed() ? sampling.getSeed() : GenerationParams.freshSeed())
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
        for (Violation v : params.violations(prompt.length, maxPositions)) {
            violations.add(fieldPath(v.field(), request.getPromptCase()), v.description());
        }
        // Last: a rule broken once per id must not crowd the rules above out of the report.
        if (request.hasPromptIds()) {
            checkIds("prompt_ids.ids", prompt, violations);
        }
        violations.throwIfAny();
        return new Parsed(prompt, params);
    }

    /** Tokenize's text, once it is known to be short enough to be worth tokenizing. */
    String tokenizeText(TokenizeRequest request) {
        ViolationList violations = new ViolationList();
        checkTextSize("text", request.getText(), violations);
        violations.throwIfAny();
        return request.getText();
    }

    /** Detokenize's ids, once each is known to be in the vocabulary. */
    int[] detokenizeIds(DetokenizeRequest request) {
        ViolationList violations = new ViolationList();
        int[] ids = ids(request.getIdsCount(), request::getIds);
        checkIds("ids", ids, violations);
        violations.throwIfAny();
        return ids;
    }

    /** The limits that bound the work (and the error) a request can cause: checked before anything else. */
    private void checkSizes(GenerateRequest request, ViolationList violations) {
        String idProblem = requestIdProblem(request.getRequestId());
        if (idProblem != null) {
            violations.add("request_id", idProblem);
        }
        checkStops(request.getStopping().getStopList(), violations);
        switch (request.getPromptCase()) {
            case PROMPT_TEXT -> checkTextSize("prompt_text", request.getPromptText(), violations);
            case PROMPT_IDS -> {
                int count = request.getPromptIds().getIdsCount();
                if (count >= maxPositions) {
                    violations.add("prompt_ids", "has " + count + " token ids; the model's context of " + maxPositions
                            + " positions holds at most " + (maxPositions - 1) + " with one new token");
                }
            }
            case PROMPT_NOT_SET -> { }
        }
    }

    private void checkTextSize(String field, String text, ViolationList violations) {
        long bytes = BoundedText.utf8Length(text);
        if (bytes > maxTextBytes()) {
            violations.add(field, "is " + bytes + " UTF-8 bytes; at most " + maxTextBytes() + " can fit the model's"
                    + " context (" + maxPositions + " positions of at most " + longestTokenBytes + " bytes each)");
        }
    }

    private static void checkStops(List<String> stops, ViolationList violations) {
        if (stops.size() > MAX_STOP_SEQUENCES) {
            // Only the count: each string's own check would cost a violation per string.
            violations.add("stopping.stop", "at most " + MAX_STOP_SEQUENCES + " stop strings, got " + stops.size());
            return;
        }
        for (int i = 0; i < stops.size(); i++) {
            String stop = stops.get(i);
            int length = stop.codePointCount(0, stop.length());
            if (length > MAX_STOP_LENGTH) {
                violations.add("stopping.stop[" + i + "]", "must be at most " + MAX_STOP_LENGTH
                        + " characters (Unicode code points), got " + length);
            }
        }
    }

    /** A message's repeated ids, read unboxed: a request of a million ids costs one int array. */
    private static int[] ids(int count, IntUnaryOperator idAt) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = idAt.applyAsInt(i);
        }
        return ids;
    }

    /** Reports ids outside the vocabulary as {@code field[i]}: the first few in full, the rest only counted. */
    private void checkIds(String field, int[] ids, ViolationList violations) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] >= 0 && ids[i] < vocabSize) {
                continue;
            }
            if (violations.hasRoom()) {
                violations.add(field + "[" + i + "]", "token id " + ids[i] + " is outside the vocabulary [0, "
                        + vocabSize + ")");
            } else {
                violations.omit();
            }
        }
    }

    /** Whether {@code id} may stand in the request log: empty (none given), or a valid request id. */
    static boolean isValidRequestId(String id) {
        return requestIdProblem(id) == null;
    }

    /**
     * What is wrong with a request id, or null. It is written into the server's log line for the
     * call, so it is short and printable, without spaces: one field of one line.
     */
    private static String requestIdProblem(String id) {
        if (id.length() > MAX_REQUEST_ID_LENGTH) {
            return "must be at most " + MAX_REQUEST_ID_LENGTH + " characters, got " + id.length();
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c > '~') {
                return "must be visible ASCII characters (letters, digits, punctuation; no spaces), got U+"
                        + String.format("%04X", id.codePointAt(i)) + " at index " + i;
            }
        }
        return null;
    }

    /** "top_p" → "sampling.top_p", "stop[3]" → "stopping.stop[3]", "prompt" → the field used. */
    private static String fieldPath(String field, GenerateRequest.PromptCase promptCase) {
        if (field.equals("prompt")) {
            return promptCase == GenerateRequest.PromptCase.PROMPT_IDS ? "prompt_ids" : "prompt_text";
        }
        int index = field.indexOf('[');
        String name = index < 0 ? field : field.substring(0, index);
        return FIELD_PATHS.getOrDefault(name, name) + (index < 0 ? "" : field.substring(index));
    }
}
