package dev.gptneo.cli;

import java.util.SplittableRandom;

/**
 * What each of a load test's calls is, in the order calls start: of each {@link CallKind} but
 * {@link CallKind#STREAM} the {@link Mix}'s fraction, and a point of 0 to {@code maxNewTokens - 1}
 * received tokens at which a cancelling or vanishing call does so, so it is always cut short.
 * Drawn from the run's seed, so the same seed plans the same calls at the same points; not
 * thread-safe (one caller hands out calls).
 */
final class CallPlan {

    /** The point of a call that is not cut short: no call receives this many tokens. */
    static final int NEVER = Integer.MAX_VALUE;

    /** The shares of the calls the client makes hostile, each 0 to 1, together at most 1 (the rest stream). */
    record Mix(double cancel, double stall, double deadline, double vanish, double malformed) {
        static final Mix NONE = new Mix(0, 0, 0, 0, 0);

        double total() {
            return cancel + stall + deadline + vanish + malformed;
        }

        /** The share of {@code kind}; STREAM's is what the others leave. */
        double fraction(CallKind kind) {
            return switch (kind) {
                case STREAM -> 1 - total();
                case CANCEL -> cancel;
                case STALL -> stall;
                case DEADLINE -> deadline;
                case VANISH -> vanish;
                case MALFORMED -> malformed;
            };
        }

        /** Whether any call is planned to be anything but a stream read to its end or cancelled. */
        boolean hostile() {
            return stall + deadline + vanish + malformed > 0;
        }
    }

    /** One call's kind, and for CANCEL and VANISH the received tokens it is cut short at ({@link #NEVER} otherwise). */
    record Planned(CallKind kind, int point) {
    }

    private final SplittableRandom random;
    private final Mix mix;
    private final int maxNewTokens;

    CallPlan(long seed, Mix mix, int maxNewTokens) {
        // A stream apart from the prompts' (new SplittableRandom(seed)), so the plan changes no prompt.
        this.random = new SplittableRandom(seed).split();
        this.mix = mix;
        this.maxNewTokens = maxNewTokens;
    }

    /** The next call's plan. */
    Planned next() {
        // Both draws for every call, and the kinds in a fixed order from 0 up: a larger cancel fraction
        // cancels a superset of the calls, at the same points, and the same seed and cancel fraction
        // cancel the same calls at the same points as before the other kinds existed.
        double draw = random.nextDouble();
        int point = random.nextInt(maxNewTokens);
        CallKind kind = kind(draw);
        return new Planned(kind, kind == CallKind.CANCEL || kind == CallKind.VANISH ? point : NEVER);
    }

    /** The kinds take their shares of [0, 1) in the enum's order; what is left streams. */
    private CallKind kind(double draw) {
        double bound = 0;
        for (CallKind kind : CallKind.values()) {
            if (kind == CallKind.STREAM) {
                continue;
            }
            bound += mix.fraction(kind);
            if (draw < bound) {
                return kind;
            }
        }
        return CallKind.STREAM;
    }
}
