package dev.gptneo.client;

import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.StoppingCriteria;
import dev.gptneo.proto.v1.TokenIds;
import java.util.Arrays;
import java.util.List;

/**
 * What to generate. Whatever the builder is not told stays unset in the message, so the server's
 * defaults apply (greedy, 64 new tokens, stop at end-of-text; when sampling: temperature 1.0,
 * top_k 50, top_p 1.0, a fresh seed). The server checks the values and answers an
 * {@link InvalidRequestException} listing every broken rule.
 */
public final class GenerationRequest {

    private final GenerateRequest proto;

    private GenerationRequest(GenerateRequest proto) {
        this.proto = proto;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The request as the wire message. */
    public GenerateRequest toProto() {
        return proto;
    }

    @Override
    public String toString() {
        return proto.toString();
    }

    /** A fluent builder; each method sets one field of the message. */
    public static final class Builder {
        private final GenerateRequest.Builder request = GenerateRequest.newBuilder();
        private final SamplingParams.Builder sampling = SamplingParams.newBuilder();
        private final StoppingCriteria.Builder stopping = StoppingCriteria.newBuilder();

        private Builder() {
        }

        /** The prompt as text, tokenized by the server. */
        public Builder prompt(String text) {
            request.setPromptText(text);
            return this;
        }

        /** The prompt as token ids. */
        public Builder promptIds(int... ids) {
            request.setPromptIds(TokenIds.newBuilder().addAllIds(Arrays.stream(ids).boxed().toList()));
            return this;
        }

        public Builder maxNewTokens(int n) {
            stopping.setMaxNewTokens(n);
            return this;
        }

        public Builder minNewTokens(int n) {
            stopping.setMinNewTokens(n);
            return this;
        }

        /** Strings that end the generation; adds to those given before. */
        public Builder stop(String... strings) {
            stopping.addAllStop(List.of(strings));
            return this;
        }

        /** Keep generating past end-of-text. */
        public Builder ignoreEos() {
            stopping.setIgnoreEos(true);
            return this;
        }

        /** Always take the most likely token (the server's default). */
        public Builder greedy() {
            sampling.setDecoding(SamplingParams.Decoding.GREEDY);
            return this;
        }

        /** Draw the next token at random after temperature, top-k and top-p. */
        public Builder sample() {
            sampling.setDecoding(SamplingParams.Decoding.SAMPLE);
            return this;
        }

        public Builder temperature(double temperature) {
            sampling.setTemperature(temperature);
            return this;
        }

        public Builder topK(int k) {
            sampling.setTopK(k);
            return this;
        }

        public Builder topP(double p) {
            sampling.setTopP(p);
            return this;
        }

        public Builder repetitionPenalty(double penalty) {
            sampling.setRepetitionPenalty(penalty);
            return this;
        }

        /** Makes sampling reproducible: the same seed, prompt and parameters give the same tokens. */
        public Builder seed(long seed) {
            sampling.setSeed(seed);
            return this;
        }

        /** How many most likely alternatives to report with each token (0 to 20). */
        public Builder topLogprobs(int n) {
            request.setTopLogprobs(n);
            return this;
        }

        /** An identifier of the caller's choosing that the server's logs echo. */
        public Builder requestId(String id) {
            request.setRequestId(id);
            return this;
        }

        public GenerationRequest build() {
            return new GenerationRequest(request.clone().setSampling(sampling).setStopping(stopping).build());
        }
    }
}
