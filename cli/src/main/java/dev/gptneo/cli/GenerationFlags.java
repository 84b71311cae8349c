package dev.gptneo.cli;

import dev.gptneo.model.generate.GenerationParams;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The generation options {@code generate} and {@code client generate} share, so a remote run
 * asks for what a local one would do.
 */
final class GenerationFlags {

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "tokens to generate at most (default: ${DEFAULT-VALUE})")
    int maxNewTokens = GenerationParams.DEFAULT_MAX_NEW_TOKENS;

    @Option(names = "--min-new-tokens", paramLabel = "N",
            description = "suppress end-of-text until N tokens exist (default: ${DEFAULT-VALUE})")
    int minNewTokens;

    @Option(names = "--greedy", description = "take the most likely token (the default)")
    boolean greedy;

    @Option(names = "--sample", description = "sample instead of --greedy; --temperature, --top-k or --top-p imply it")
    boolean sample;

    // Boxed: whether they were given matters (they imply --sample), so their defaults are in the text.
    @Option(names = "--temperature", paramLabel = "T",
            description = "divide the logits by T before sampling (default: " + GenerationParams.DEFAULT_TEMPERATURE + ")")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K",
            description = "sample among the K most likely tokens; 0: all (default: " + GenerationParams.DEFAULT_TOP_K + ")")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P",
            description = "sample among the fewest tokens whose probability reaches P (default: "
                    + GenerationParams.DEFAULT_TOP_P + ")")
    Double topP;

    @Option(names = "--repetition-penalty", paramLabel = "R",
            description = "discourage tokens already in the context; 1: off (default: ${DEFAULT-VALUE})")
    double repetitionPenalty = GenerationParams.DEFAULT_REPETITION_PENALTY;

    // Boxed: without it each run draws a fresh seed, as transformers' do_sample does.
    @Option(names = "--seed", paramLabel = "S",
            description = "sampling seed: same seed and options, same output (default: a fresh random seed each run,"
                    + " reported: on stderr, in --json and in each --prompts-file line)")
    Long seed;

    @Option(names = "--stop", paramLabel = "STR",
            description = "stop when STR appears (repeatable); STR itself is not printed (default: none)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "keep generating past end-of-text")
    boolean ignoreEos;

    @Option(names = "--top-logprobs", paramLabel = "N",
            description = "report each token's log-probability and the N most likely alternatives (0-"
                    + GenerationParams.MAX_TOP_LOGPROBS + "; generate shows them with --json) (default: ${DEFAULT-VALUE})")
    int topLogprobs;

    /** The options as parameters; a sampling option without --greedy implies --sample. */
    GenerationParams params() throws UsageException {
        if (greedy && sampling()) {
            throw new UsageException("--greedy cannot be combined with --sample, --temperature, --top-k or --top-p");
        }
        return builder().build();
    }

    /**
     * The options as a builder, for a caller that overrides some of them per request (the lines
     * of {@code generate --prompts-file}); {@link #params} is what checks them.
     */
    GenerationParams.Builder builder() {
        GenerationParams.Builder params = GenerationParams.builder()
                .maxNewTokens(maxNewTokens)
                .minNewTokens(minNewTokens)
                .ignoreEos(ignoreEos)
                .stop(stop)
                .sample(sampling())
                .repetitionPenalty(repetitionPenalty)
                .seed(seedGiven() ? seed : GenerationParams.freshSeed())
                .topLogprobs(topLogprobs);
        if (temperature != null) {
            params.temperature(temperature);
        }
        if (topK != null) {
            params.topK(topK);
        }
        if (topP != null) {
            params.topP(topP);
        }
        return params;
    }

    /** Whether --seed was given; without it, {@link #builder} draws a fresh one each time it is called. */
    boolean seedGiven() {
        return seed != null;
    }

    /** --sample, or a sampling option, which implies it. */
    boolean sampling() {
        return sample || temperature != null || topK != null || topP != null;
    }
}
