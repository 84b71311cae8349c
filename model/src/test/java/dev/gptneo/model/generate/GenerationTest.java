package dev.gptneo.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.scalar.ScalarBackend;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generation on the F32 fixture: greedy paths and texts from the reference, and the sampling rules. */
class GenerationTest {

    private static LoadedModel loaded;

    @BeforeAll
    static void load() throws Exception {
        loaded = LoadedModel.open(Fixtures.checkpoint("tiny-gpt-neo").toString(), new ScalarBackend(), null);
    }

    @AfterAll
    static void close() {
        loaded.close();
    }

    /** Records everything a generation reports. */
    static final class Recorder implements GenerationListener {
        final List<GeneratedToken> tokens = new ArrayList<>();
        final List<String> deltas = new ArrayList<>();
        StopReason reason;
        TokenUsage usage;
        int finishes;

        @Override
        public void onToken(GeneratedToken token, String textDelta) {
            tokens.add(token);
            deltas.add(textDelta);
        }

        @Override
        public void onFinish(String textDelta, StopReason reason, TokenUsage usage) {
            deltas.add(textDelta);
            this.reason = reason;
            this.usage = usage;
            finishes++;
        }

        int[] ids() {
            return tokens.stream().mapToInt(GeneratedToken::id).toArray();
        }

        String text() {
            return String.join("", deltas);
        }
    }

    private static Recorder run(int[] prompt, GenerationParams params) {
        Recorder recorder = new Recorder();
        new Generation(loaded, prompt, params, recorder).run();
        assertEquals(1, recorder.finishes);
        return recorder;
    }

    private static GenerationParams greedy(int maxNew) {
        return GenerationParams.builder().maxNewTokens(maxNew).ignoreEos(true).build();
    }

    private static GenerationParams sampling(long seed, int topK) {
        return GenerationParams.builder().maxNewTokens(20).ignoreEos(true).sample(true).topK(topK).seed(seed).build();
    }

    @Test
    void greedyIdsAndTextMatchTheReference() {
        for (Fixtures.Case c : Fixtures.cases("tiny-gpt-neo")) {
            Recorder r = run(c.inputIds(), greedy(c.greedyNewIds().length));
            assertArrayEquals(c.greedyNewIds(), r.ids(), c::toString);
            assertEquals(c.greedyNewText(), r.text(), c::toString);
            assertEquals(StopReason.LENGTH, r.reason);
            assertEquals(c.inputIds().length, r.usage.promptTokens());
            assertEquals(c.greedyNewIds().length, r.usage.generatedTokens());
        }
    }

    @Test
    void aPromptFedInChunksGivesTheReferenceIds() {
        for (Fixtures.Case c : Fixtures.cases("tiny-gpt-neo")) {
            Recorder r = new Recorder();
            Generation g = new Generation(loaded, c.inputIds(), greedy(c.greedyNewIds().length), r);
            float[] logits = new float[loaded.model().config().vocabSize()];
            int chunks = 0;
            while (g.inPrompt()) {
                int[] chunk = g.nextInput(3);
                assertEquals(Math.min(3, c.inputIds().length - 3 * chunks), chunk.length, c::toString);
                assertEquals(g.cache().length() + chunk.length == c.inputIds().length, g.wantsLogits(), c::toString);
                loaded.model().forward(g.cache(), chunk, logits);
                g.accept(logits);
                chunks++;
            }
            assertEquals((c.inputIds().length + 2) / 3, chunks, c::toString);
            assertEquals(1, r.tokens.size(), "the last chunk samples the first token");
            while (!g.finished()) {
                int[] next = g.nextInput(3);
                assertEquals(1, next.length);
                assertTrue(g.wantsLogits());
                loaded.model().forward(g.cache(), next, logits);
                g.accept(logits);
            }
            assertArrayEquals(c.greedyNewIds(), r.ids(), c::toString);
            assertEquals(c.greedyNewText(), r.text(), c::toString);
        }
    }

    @Test
    void firstTokenLogprobsMatchTheReference() {
        for (Fixtures.Case c : Fixtures.cases("tiny-gpt-neo")) {
            GenerationParams params = new GenerationParams(1, 0, true, List.of(), false, 1, 0, 1, 1, 0, c.top10Ids().length);
            GeneratedToken first = run(c.inputIds(), params).tokens.getFirst();
            // log-softmax of the float64 reference: its top-10 logits less the log-sum-exp of all its logits.
            double logSum = logSumExp(c.lastLogits());
            assertEquals(c.top10Ids()[0], first.id(), c::toString);
            assertEquals(c.top10Logits()[0] - logSum, first.logprob(), 1e-3, c::toString);
            assertEquals(c.top10Ids().length, first.top().size(), c::toString);
            for (int i = 0; i < c.top10Ids().length; i++) {
                GeneratedToken.Alternative alt = first.top().get(i);
                String where = c + " alternative " + i;
                assertEquals(c.top10Ids()[i], alt.id(), where);
                assertEquals(c.top10Logits()[i] - logSum, alt.logprob(), 1e-3, where);
            }
        }
    }

    /**
     * The repetition penalty changes the logits the sampler picks from; the reported logprobs
     * stay those of the logits it was given. Hand-made logits (accept takes an engine's): token 1
     * (in the prompt) has probability 0.6 and token 2 has 0.4. Penalized, ln 0.6 doubles to
     * -1.02, below ln 0.4, so greedy picks token 2, reported as ln 0.4, with token 1 as ln 0.6.
     */
    @Test
    void logprobsAreOfTheGivenLogitsWhateverThePenaltyChanged() {
        GenerationParams params = GenerationParams.builder().maxNewTokens(1).repetitionPenalty(2.0).topLogprobs(2)
                .build();
        Recorder r = new Recorder();
        Generation g = new Generation(loaded, new int[] {1}, params, r);
        g.nextInput(1);
        float[] logits = new float[loaded.model().config().vocabSize()];
        Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        logits[1] = (float) Math.log(0.6);
        logits[2] = (float) Math.log(0.4);
        g.accept(logits);
        GeneratedToken token = r.tokens.getFirst();
        assertEquals(2, token.id());
        assertEquals(Math.log(0.4), token.logprob(), 1e-6);
        assertEquals(List.of(1, 2), token.top().stream().map(GeneratedToken.Alternative::id).toList());
        assertEquals(Math.log(0.6), token.top().getFirst().logprob(), 1e-6);
    }

    /** Computed here in float64, not with LogProbs: the expectation must not come from the code under test. */
    private static double logSumExp(float[] logits) {
        double max = IntStream.range(0, logits.length).mapToDouble(i -> logits[i]).max().orElseThrow();
        return max + Math.log(IntStream.range(0, logits.length).mapToDouble(i -> Math.exp(logits[i] - max)).sum());
    }


    @Test
    void logprobsAreNormalisedAndAlternativesSorted() {
        Fixtures.Case c = Fixtures.cases("tiny-gpt-neo").getFirst();
        GenerationParams params = GenerationParams.builder().maxNewTokens(3).ignoreEos(true).topLogprobs(5).build();
        Recorder r = run(c.inputIds(), params);
        GeneratedToken first = r.tokens.getFirst();
        assertEquals(5, first.top().size());
        // Greedy: the chosen token is the most likely one, and the reference's top-1 id.
        assertEquals(c.greedyNewIds()[0], first.top().getFirst().id());
        assertEquals(first.logprob(), first.top().getFirst().logprob(), 1e-6);
        assertTrue(first.logprob() < 0);
        for (int i = 1; i < 5; i++) {
            assertTrue(first.top().get(i - 1).logprob() >= first.top().get(i).logprob());
        }
    }

    @Test
    void seededSamplingIsReproducible() {
        int[] prompt = Fixtures.cases("tiny-gpt-neo").getFirst().inputIds();
        int[] a = run(prompt, sampling(42, 50)).ids();
        int[] b = run(prompt, sampling(42, 50)).ids();
        int[] other = run(prompt, sampling(43, 50)).ids();
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, other), "a different seed should give a different sample");
    }

    @Test
    void topKOfOneIsGreedy() {
        Fixtures.Case c = Fixtures.cases("tiny-gpt-neo").get(1);
        assertArrayEquals(c.greedyNewIds(), run(c.inputIds(), sampling(7, 1)).ids());
    }

    @Test
    void stopSequenceEndsGenerationAndIsNeverSent() {
        Fixtures.Case c = Fixtures.cases("tiny-gpt-neo").getFirst();
        String text = c.greedyNewText();
        // A stop string that spans token boundaries somewhere in the middle of the reference text.
        String stop = text.substring(10, 18);
        GenerationParams params = GenerationParams.builder().maxNewTokens(20).ignoreEos(true).stop(List.of(stop)).build();
        Recorder r = run(c.inputIds(), params);
        assertEquals(StopReason.STOP_SEQUENCE, r.reason);
        // Deltas are appended in order, so this also proves no piece of the stop was ever sent.
        assertEquals(text.substring(0, text.indexOf(stop)), r.text());
    }

    @Test
    void contextOverflowIsRejectedBeforeRunning() {
        int[] prompt = new int[100];
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> new Generation(loaded, prompt, greedy(29), new Recorder()));
        assertEquals("max_new_tokens", e.violations().getFirst().field());
        assertTrue(e.getMessage().contains("128"), e.getMessage());
    }

    @Test
    void everyBadParameterIsNamed() {
        GenerationParams bad = GenerationParams.builder().maxNewTokens(0).minNewTokens(-1).stop(List.of(""))
                .sample(true).temperature(-1).topK(-2).topP(1.5).repetitionPenalty(0).topLogprobs(21).build();
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> new Generation(loaded, new int[] {1, 50257, -3}, bad, new Recorder()));
        List<String> fields = e.violations().stream().map(GenerationParams.Violation::field).toList();
        assertEquals(List.of("max_new_tokens", "min_new_tokens", "temperature", "top_k", "top_p",
                "repetition_penalty", "top_logprobs", "stop[0]", "prompt_ids[1]", "prompt_ids[2]"), fields);
        assertThrows(InvalidRequestException.class, () -> new Generation(loaded, new int[0], greedy(1), new Recorder()));
    }

    /**
     * Preempted after 7 tokens, with its whole cache given back: it recomputes prompt and tokens
     * in chunks of 4 that sample nothing but the last, then goes on to the reference's ids, or,
     * seeded, to the same sample as a generation left alone.
     */
    @Test
    void aPreemptedGenerationRecomputesAndGoesOnAsIfLeftAlone() {
        Fixtures.Case c = Fixtures.cases("tiny-gpt-neo").get(3);
        assertArrayEquals(c.greedyNewIds(), preemptedAfter(7, c.inputIds(), greedy(c.greedyNewIds().length)).ids());
        assertArrayEquals(run(c.inputIds(), sampling(5, 50)).ids(), preemptedAfter(7, c.inputIds(), sampling(5, 50)).ids());
    }

    private static Recorder preemptedAfter(int tokens, int[] prompt, GenerationParams params) {
        Recorder r = new Recorder();
        Generation g = new Generation(loaded, prompt, params, r);
        while (r.tokens.size() < tokens) {
            g.step();
        }
        g.preempt();
        assertEquals(0, g.cache().length());
        assertEquals(prompt.length + tokens, g.contextLength());
        float[] logits = new float[loaded.model().config().vocabSize()];
        int fed = 0;
        while (g.inPrompt()) {
            int[] chunk = g.nextInput(4);
            fed += chunk.length;
            assertEquals(fed == g.contextLength(), g.wantsLogits(), "only the chunk that ends the tokens so far samples");
            loaded.model().forward(g.cache(), chunk, logits);
            g.accept(logits);
        }
        assertEquals(tokens + 1, r.tokens.size(), "the recomputed tokens are not reported again");
        g.run();
        assertEquals(1, r.finishes);
        return r;
    }

    @Test
    void cancelledGenerationFinishesAtItsNextStep() {
        Recorder r = new Recorder();
        Generation g = new Generation(loaded, new int[] {1, 2, 3}, greedy(10), r);
        assertTrue(g.step());
        g.cancel();
        assertFalse(g.step());
        assertEquals(StopReason.CANCELLED, r.reason);
        assertEquals(1, r.tokens.size());
    }
}
