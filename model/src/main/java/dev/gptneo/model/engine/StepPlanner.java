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
 *
 * <p>While streams decode, a step's prompt rows are also held to its decode rows, or to what
 * fills the step to {@link #STEP_ROWS_FLOOR} rows if that is more: with many streams a step is
 * bound by its FMAs, so each prompt row lengthens it, and every running stream waits for the
 * longest steps (its p99 inter-token gap), which this keeps within about twice a decode step.
 * Half the decode rows bounded the gaps a little more but held newcomers in their prompts so
 * long that fewer streams decoded (docs/performance.md); with no stream decoding, a prompt takes
 * the whole budget.
 */
final class StepPlanner {

    /**
     * Rows a step may always fill with prompt rows. A step reads every weight once whatever its
     * rows, and each row adds its FMAs: up to this many rows a step stays within the length of a
     * 16-stream step with its prompt rows, so while few streams decode (a wave of requests
     * arriving together) newcomers start in fewer steps without lengthening the longest gaps.
     * With 16, sixteen served streams waited 1.5 × as long (p99) for their first token, and on
     * a server still warming up got 11 % fewer tokens a second (docs/performance.md).
     */
    static final int STEP_ROWS_FLOOR = 32;

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
        int decodeRows = step.size();
        if (decodeRows > 0) {
            budget = Math.min(budget, Math.max(STEP_ROWS_FLOOR - decodeRows, decodeRows));
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
