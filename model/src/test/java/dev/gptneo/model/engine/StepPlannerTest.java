package dev.gptneo.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.scalar.ScalarBackend;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.Generation;
import dev.gptneo.model.generate.GenerationParams;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Decode rows first, then prompt chunks within the budget: a long prompt never holds up a running stream. */
class StepPlannerTest {

    private static LoadedModel model;

    @BeforeAll
    static void load() throws Exception {
        model = LoadedModel.open(Fixtures.checkpoint("tiny-gpt-neo").toString(), new ScalarBackend(), null);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static Generation generation(int promptLength) {
        int[] prompt = IntStream.range(0, promptLength).map(i -> 10 + i).toArray();
        return new Generation(model, prompt, GenerationParams.builder().maxNewTokens(20).ignoreEos(true).build(),
                new CompletionCollector());
    }

    /** Runs a planned step, one forward pass per entry, and hands back the logits. */
    private static void run(List<StepPlanner.Entry<Generation>> step) {
        float[] logits = new float[model.model().config().vocabSize()];
        for (StepPlanner.Entry<Generation> entry : step) {
            model.model().forward(entry.cache(), entry.ids(), logits);
            entry.owner().accept(logits);
        }
    }

    @Test
    void decodeRowsComeFirstAndPromptsShareWhatIsLeftInChunks() {
        Generation decoding = generation(3);
        Generation longPrompt = generation(20);
        Generation waitingPrompt = generation(5);
        run(StepPlanner.plan(List.of(decoding), Function.identity(), 8));
        assertFalse(decoding.inPrompt());

        List<Generation> all = List.of(longPrompt, waitingPrompt, decoding);
        int[] expectedChunks = {7, 7, 6};
        for (int s = 0; s < expectedChunks.length; s++) {
            List<StepPlanner.Entry<Generation>> step = StepPlanner.plan(all, Function.identity(), 8);
            assertSame(decoding, step.getFirst().owner(), "step " + s + " starts with the running stream's token");
            assertEquals(1, step.getFirst().ids().length);
            assertTrue(step.getFirst().wantsLogits());
            StepPlanner.Entry<Generation> chunk = step.get(1);
            assertSame(longPrompt, chunk.owner());
            assertEquals(expectedChunks[s], chunk.ids().length);
            assertEquals(s == 2, chunk.wantsLogits(), "only the prompt's last chunk samples");
            assertEquals(8, step.stream().mapToInt(e -> e.ids().length).sum(), "step " + s + " fills the budget");
            if (s == 2) {
                assertSame(waitingPrompt, step.get(2).owner(), "the next prompt gets what the last chunk left");
                assertArrayEquals(new int[] {10}, step.get(2).ids());
            } else {
                assertEquals(2, step.size(), "the next prompt waits its turn: " + Arrays.toString(step.toArray()));
            }
            run(step);
        }
        assertFalse(longPrompt.inPrompt());
    }

    @Test
    void whileStreamsDecodeAStepsPromptRowsAreAtMostItsDecodeRowsOrFillItToTheFloor() {
        for (int streams : new int[] {4, 16, 40}) {
            List<Generation> decoding = IntStream.range(0, streams).mapToObj(i -> generation(1)).toList();
            run(StepPlanner.plan(decoding, Function.identity(), 64)); // no stream decodes yet: every prompt at once
            decoding.forEach(g -> assertFalse(g.inPrompt()));
            Generation longPrompt = generation(90);
            List<Generation> all = new java.util.ArrayList<>(decoding);
            all.add(longPrompt);
            List<StepPlanner.Entry<Generation>> step = StepPlanner.plan(all, Function.identity(), 64);
            int expected = Math.min(64 - streams, Math.max(StepPlanner.STEP_ROWS_FLOOR - streams, streams));
            assertEquals(streams + 1, step.size());
            assertSame(longPrompt, step.getLast().owner());
            assertEquals(expected, step.getLast().ids().length, streams + " streams decoding");
        }
    }
}
