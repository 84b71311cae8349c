package dev.gptneo.cli;

import java.util.SplittableRandom;

/**
 * Which of a load test's calls the client cancels, and when: each call, in the order calls start,
 * is picked with probability {@code fraction} and given a point of 0 to {@code maxNewTokens - 1}
 * received tokens, so a picked call is always cut short. Drawn from the run's seed, so the same
 * seed cancels the same calls at the same points; not thread-safe (one caller hands out calls).
 */
final class CancelPlan {

    /** The point of a call that is not cancelled: no call receives this many tokens. */
    static final int NEVER = Integer.MAX_VALUE;

    private final SplittableRandom random;
    private final double fraction;
    private final int maxNewTokens;

    CancelPlan(long seed, double fraction, int maxNewTokens) {
        // A stream apart from the prompts' (new SplittableRandom(seed)), so cancelling changes no prompt.
        this.random = new SplittableRandom(seed).split();
        this.fraction = fraction;
        this.maxNewTokens = maxNewTokens;
    }

    /** The next call's point: cancel it once it has received this many tokens; {@link #NEVER} to let it end. */
    int next() {
        // Both draws for every call: a larger fraction then picks a superset of the calls, at the same points.
        boolean picked = random.nextDouble() < fraction;
        int point = random.nextInt(maxNewTokens);
        return picked ? point : NEVER;
    }
}
