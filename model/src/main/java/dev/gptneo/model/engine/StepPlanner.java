package dev.gptneo.model.engine;

import dev.gptneo.model.KvCache;
import dev.gptneo.model.generate.Generation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Chooses what one engine step runs, as TGI and vLLM schedule: first one decode row for every
 * sequence past its prompt, then prompt chunks, in the order given, with what is left of the
 * token budget. A step therefore never exceeds {@code maxBatchTokens} rows, and a long prompt
 * delays the running streams by at most one chunk per step instead of its whole length.
 */
final class StepPlanner {

    /**
     * One sequence's part of a step: its cache, the ids to run on it, and whether the logits of
     * the last row are wanted (the prompt's last chunk and every decode row).
     */
    record Entry<S>(S owner, KvCache cache, int[] ids, boolean wantsLogits) {
    }

    private StepPlanner() {
    }

    /**
     * @param runnable sequences that may progress this step, earliest admitted first; each
     *     appears at most once
     * @param maxBatchTokens at least the number of sequences, so that every decode row fits
     */
    static <S> List<Entry<S>> plan(List<S> runnable, Function<? super S, Generation> generation, int maxBatchTokens) {
        List<Entry<S>> step = new ArrayList<>(runnable.size());
        int budget = maxBatchTokens;
        for (S owner : runnable) {
            Generation g = generation.apply(owner);
            if (!g.inPrompt()) {
                step.add(new Entry<>(owner, g.cache(), g.nextInput(1), true));
                budget--;
            }
        }
        for (S owner : runnable) {
            if (budget <= 0) {
                break;
            }
            Generation g = generation.apply(owner);
            if (g.inPrompt()) {
                int[] chunk = g.nextInput(budget);
                step.add(new Entry<>(owner, g.cache(), chunk, g.wantsLogits()));
                budget -= chunk.length;
            }
        }
        return step;
    }
}
