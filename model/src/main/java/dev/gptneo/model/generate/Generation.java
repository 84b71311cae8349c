package dev.gptneo.model.generate;

import dev.gptneo.model.GptNeoModel;
import dev.gptneo.model.KvCache;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import dev.gptneo.tokenizer.StreamingDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request's generation, advanced one token per {@link #step()}, so an engine can interleave
 * several requests on one model and stop any of them between steps. Not thread-safe: one
 * thread steps it (and the model) at a time; {@link #cancel()} may be called from any thread.
 */
public final class Generation implements AutoCloseable {

    private final GptNeoModel model;
    private final Gpt2Tokenizer tokenizer;
    private final GenerationParams params;
    private final GenerationListener listener;
    private final Sampler sampler;
    private final StreamingDecoder decoder;
    private final StopSequenceFilter stopFilter;
    private final KvCache cache;
    private final int[] context;
    private final int promptLength;
    private final float[] logits;
    private final float[] raw;
    /** The one token a decode step feeds, reused so a step allocates no input array. */
    private final int[] next = new int[1];
    private int length;
    private long startNanos;
    private long firstTokenNanos;
    private volatile boolean cancelled;
    private boolean finished;

    /**
     * Checks the request and reserves its KV cache; nothing runs until the first step.
     *
     * @throws InvalidRequestException naming every field that breaks a rule
     */
    public Generation(LoadedModel loaded, int[] promptIds, GenerationParams params, GenerationListener listener) {
        List<GenerationParams.Violation> violations = violations(loaded.model(), promptIds, params);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        this.model = loaded.model();
        this.tokenizer = loaded.tokenizer();
        int vocab = model.config().vocabSize();
        this.params = params;
        this.listener = listener;
        this.sampler = new Sampler(params, vocab);
        this.decoder = tokenizer.newStreamingDecoder();
        this.stopFilter = new StopSequenceFilter(params.stop());
        this.promptLength = promptIds.length;
        this.context = Arrays.copyOf(promptIds, promptIds.length + params.maxNewTokens());
        this.length = promptIds.length;
        this.logits = new float[vocab];
        this.raw = new float[vocab];
        this.cache = model.newCache();
    }

    /**
     * Every rule a request breaks on {@code model}: those of {@link GenerationParams#violations}
     * and prompt ids outside the vocabulary. Lets a caller on another thread check a request
     * before handing it to the thread that owns the model.
     */
    public static List<GenerationParams.Violation> violations(GptNeoModel model, int[] promptIds,
            GenerationParams params) {
        int vocab = model.config().vocabSize();
        List<GenerationParams.Violation> violations = new ArrayList<>(
                params.violations(promptIds.length, model.config().maxPositions()));
        for (int i = 0; i < promptIds.length; i++) {
            if (promptIds[i] < 0 || promptIds[i] >= vocab) {
                violations.add(new GenerationParams.Violation("prompt_ids[" + i + "]",
                        "token id " + promptIds[i] + " is outside the vocabulary [0, " + vocab + ")"));
            }
        }
        return violations;
    }

    /**
     * Generates the next token (processing the prompt first, on the first call) and reports it.
     *
     * @return false once the generation has finished (its listener has had onFinish)
     */
    public boolean step() {
        if (finished) {
            return false;
        }
        if (cancelled) {
            finish("", StopReason.CANCELLED);
            return false;
        }
        if (cache.length() == 0) {
            startNanos = System.nanoTime();
            model.forward(cache, Arrays.copyOf(context, promptLength), logits);
        } else {
            next[0] = context[length - 1];
            model.forward(cache, next, logits);
        }
        emit(choose());
        return !finished;
    }

    /** Asks the generation to stop; it finishes as CANCELLED at its next step. */
    public void cancel() {
        cancelled = true;
    }

    public boolean finished() {
        return finished;
    }

    /** Runs every remaining step on the calling thread. */
    public void run() {
        while (step()) {
            // each step reports to the listener
        }
    }

    private int choose() {
        System.arraycopy(logits, 0, raw, 0, logits.length);
        int generated = length - promptLength;
        int eos = tokenizer.eosId();
        int suppressed = !params.ignoreEos() && generated < params.minNewTokens() ? eos : -1;
        return sampler.next(logits, context, length, suppressed);
    }

    private void emit(int id) {
        if (firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
        }
        context[length++] = id;
        GeneratedToken token = describe(id);
        boolean eos = id == tokenizer.eosId() && !params.ignoreEos();
        String delta = eos ? "" : stopFilter.push(decoder.push(id));
        listener.onToken(token, delta);
        if (stopFilter.stopped()) {
            finish("", StopReason.STOP_SEQUENCE);
        } else if (eos || length - promptLength == params.maxNewTokens()) {
            // Release what was held back: an incomplete character, a possible stop's prefix.
            String rest = stopFilter.push(decoder.flush());
            rest += stopFilter.flush();
            finish(rest, stopFilter.stopped() ? StopReason.STOP_SEQUENCE
                    : eos ? StopReason.EOS : StopReason.LENGTH);
        }
    }

    private void finish(String delta, StopReason reason) {
        finished = true;
        long now = System.nanoTime();
        long start = startNanos == 0 ? now : startNanos;
        listener.onFinish(delta, reason, new TokenUsage(promptLength, length - promptLength,
                (firstTokenNanos == 0 ? now : firstTokenNanos) - start, now - start));
        cache.close();
    }

    private GeneratedToken describe(int id) {
        double logSum = LogProbs.logSumExp(raw);
        List<GeneratedToken.Alternative> top = new ArrayList<>(params.topLogprobs());
        for (int alt : LogProbs.topIds(raw, params.topLogprobs())) {
            top.add(new GeneratedToken.Alternative(alt, tokenizer.decode(new int[] {alt}), (float) (raw[alt] - logSum)));
        }
        return new GeneratedToken(id, tokenizer.decode(new int[] {id}), (float) (raw[id] - logSum),
                top, tokenizer.isSpecial(id));
    }

    /** Releases the KV cache of a generation abandoned before it finished. */
    @Override
    public void close() {
        if (!finished) {
            finished = true;
            cache.close();
        }
    }
}
