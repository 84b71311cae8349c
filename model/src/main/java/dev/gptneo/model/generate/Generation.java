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
 * One request's generation. What the model must run next ({@link #nextInput}) is separate from
 * what to do with its output ({@link #accept}), so that an engine can feed the inputs of many
 * generations to one model call, split a long prompt into chunks, stop any of them between
 * calls, and take a generation's cache away and let it recompute ({@link #preempt});
 * {@link #step()} drives one generation alone through the same two methods. Not thread-safe:
 * one thread drives it (and the model) at a time; {@link #cancel()} may be called from any
 * thread.
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
    /** Where {@link #step()} has the model write; an engine hands its own logits to accept. */
    private final float[] logits;
    /**
     * A copy of the logits before the sampler's penalties and suppression change them, for the
     * reported logprobs; without those, the logits are reported from where they are.
     */
    private final float[] raw;
    /** The one token a decode step feeds, reused so a step allocates no input array. */
    private final int[] next = new int[1];
    private int length;
    /** Whether the input last handed out ends where a token is sampled. */
    private boolean inputWantsLogits;
    private long startNanos;
    private long firstTokenNanos;
    private volatile boolean cancelled;
    private boolean finished;

    /**
     * Checks the request and makes its KV cache, on a pool of its own with room for the prompt
     * and every new token; nothing runs until the first step.
     *
     * @throws InvalidRequestException naming every field that breaks a rule
     */
    public Generation(LoadedModel loaded, int[] promptIds, GenerationParams params, GenerationListener listener) {
        requireValid(loaded.model(), promptIds, params);
        this(loaded, loaded.model().newCache(promptIds.length + params.maxNewTokens()), promptIds, params, listener);
    }

    /**
     * Checks the request; its positions go to {@code cache} (empty, on the model's backend),
     * which it closes when it finishes. Nothing runs until the first step.
     *
     * @throws InvalidRequestException naming every field that breaks a rule
     */
    public Generation(LoadedModel loaded, KvCache cache, int[] promptIds, GenerationParams params,
                      GenerationListener listener) {
        requireValid(loaded.model(), promptIds, params);
        this.model = loaded.model();
        this.tokenizer = loaded.tokenizer();
        int vocab = model.config().vocabSize();
        this.params = params;
        this.listener = listener;
        this.sampler = new Sampler(params, vocab, model.backend());
        this.decoder = tokenizer.newStreamingDecoder();
        this.stopFilter = new StopSequenceFilter(params.stop());
        this.promptLength = promptIds.length;
        this.context = Arrays.copyOf(promptIds, promptIds.length + params.maxNewTokens());
        this.length = promptIds.length;
        this.logits = new float[vocab];
        this.raw = new float[vocab];
        this.cache = cache;
    }

    private static void requireValid(GptNeoModel model, int[] promptIds, GenerationParams params) {
        List<GenerationParams.Violation> violations = violations(model, promptIds, params);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
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
     * Generates the next token (processing the whole prompt first, on the first call) and
     * reports it: one {@link #nextInput}, one forward pass and one {@link #accept}.
     *
     * @return false once the generation has finished (its listener has had onFinish)
     */
    public boolean step() {
        if (finished || finishIfCancelled()) {
            return false;
        }
        int[] ids = nextInput(context.length);
        model.forward(cache, ids, logits);
        accept(logits);
        return !finished;
    }

    /**
     * The ids the model must run next on {@link #cache()}: the next chunk of the prompt (at most
     * {@code maxTokens} of it), or, once the prompt is in the cache, the last token sampled.
     * After {@link #preempt} the chunks are of every token so far, prompt and generated.
     */
    public int[] nextInput(int maxTokens) {
        if (finished) {
            throw new IllegalStateException("the generation has finished");
        }
        int fed = cache.length();
        if (fed >= prefillEnd()) {
            inputWantsLogits = true;
            next[0] = context[length - 1];
            return next;
        }
        if (startNanos == 0) {
            startNanos = System.nanoTime();
        }
        int chunk = Math.min(Math.max(1, maxTokens), length - fed);
        inputWantsLogits = fed + chunk == length;
        return Arrays.copyOfRange(context, fed, fed + chunk);
    }

    /**
     * Where the chunks end and decoding one token at a time begins: the prompt's end, or after
     * {@link #preempt} the position of the last token sampled, which is the next decode input.
     */
    private int prefillEnd() {
        return Math.max(promptLength, length - 1);
    }

    /**
     * Whether a token is sampled from the last row of the input {@link #nextInput} handed out:
     * true for the prompt's last chunk and every decode step, false for earlier chunks, whose
     * rows only fill the cache.
     */
    public boolean wantsLogits() {
        return inputWantsLogits;
    }

    /**
     * Takes the model's result once it has run the last {@link #nextInput} on {@link #cache()}:
     * when {@link #wantsLogits()}, samples from {@code logits} (which it may overwrite), reports
     * the token and finishes if that was the last; otherwise does nothing more.
     */
    public void accept(float[] logits) {
        if (inputWantsLogits) {
            inputWantsLogits = false;
            // A padded vocabulary's extra rows are no token: never sampled, never reported.
            Arrays.fill(logits, tokenizer.vocabSize(), logits.length, Float.NEGATIVE_INFINITY);
            int generated = length - promptLength;
            int suppressed = !params.ignoreEos() && generated < params.minNewTokens() ? tokenizer.eosId() : -1;
            float[] reported = logits;
            if (sampler.changes(suppressed)) {
                System.arraycopy(logits, 0, raw, 0, raw.length);
                reported = raw;
            }
            emit(sampler.next(logits, context, length, suppressed), reported);
        }
    }

    /**
     * Whether part of the prompt (or, after {@link #preempt}, of the tokens so far) is still to
     * run; past it, every input is one decode token.
     */
    public boolean inPrompt() {
        return cache.length() < prefillEnd();
    }

    /**
     * Gives the cache's blocks back, for an engine whose KV pool has run dry; the generation
     * goes on later from its next {@link #nextInput}, which recomputes every token so far
     * (prompt and generated, in chunks whose logits are not sampled but the last's) and then
     * samples the token it would have sampled next. Nothing is reported twice, and the sampler
     * draws no number for the recomputed tokens, so a seeded generation continues as if never
     * preempted.
     */
    public void preempt() {
        cache.reset();
        inputWantsLogits = false;
    }

    /** Tokens so far, prompt and generated: the positions a recomputation after {@link #preempt} runs. */
    public int contextLength() {
        return length;
    }

    /** The positions this generation has run so far, which its inputs extend. */
    public KvCache cache() {
        return cache;
    }

    /** Asks the generation to stop; it finishes as CANCELLED at its next step. */
    public void cancel() {
        cancelled = true;
    }

    /**
     * On the thread that drives it: if {@link #cancel()} was called, finishes now as CANCELLED
     * (the listener hears onFinish, the cache is freed) and returns true.
     */
    public boolean finishIfCancelled() {
        if (cancelled && !finished) {
            finish("", StopReason.CANCELLED);
        }
        return cancelled;
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

    /** Reports token {@code id}, with its logprob from {@code logits}, and finishes if it was the last. */
    private void emit(int id, float[] logits) {
        if (firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
        }
        context[length++] = id;
        GeneratedToken token = describe(id, logits);
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

    /** The cache is freed first: by the time the listener hears of the end, its blocks are back in their pool. */
    private void finish(String delta, StopReason reason) {
        finished = true;
        cache.close();
        long now = System.nanoTime();
        long start = startNanos == 0 ? now : startNanos;
        listener.onFinish(delta, reason, new TokenUsage(promptLength, length - promptLength,
                (firstTokenNanos == 0 ? now : firstTokenNanos) - start, now - start));
    }

    private GeneratedToken describe(int id, float[] logits) {
        double logSum = model.backend().logSumExp(logits);
        List<GeneratedToken.Alternative> top = new ArrayList<>(params.topLogprobs());
        for (int alt : LogProbs.topIds(logits, params.topLogprobs())) {
            top.add(new GeneratedToken.Alternative(alt, tokenizer.decode(new int[] {alt}), (float) (logits[alt] - logSum)));
        }
        return new GeneratedToken(id, tokenizer.decode(new int[] {id}), (float) (logits[id] - logSum),
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
