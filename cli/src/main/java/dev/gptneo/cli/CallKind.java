package dev.gptneo.cli;

import io.grpc.Status;

/**
 * What a load test's call does, and so how it may end. A kind's expected endings are those a
 * server that protects itself gives such a call; any other is counted as unexpected, which makes
 * {@code loadtest} exit 1. In a flood ({@code --flood}: more calls at once than the server's
 * {@code --max-concurrent} + {@code --max-queued}) any call that reaches the engine may also be
 * refused with RESOURCE_EXHAUSTED; a malformed one is refused before, for its body.
 */
enum CallKind {
    /** Read to its end as fast as it comes: OK. */
    STREAM("stream"),
    /** Cancelled by the client after some tokens: the client's own CANCELLED. */
    CANCEL("cancel"),
    /**
     * Reads nothing for a while (manual flow control, a small HTTP/2 window), then reads the rest:
     * ABORTED when the server's stall limit ended it meanwhile, OK when it did not.
     */
    STALL("stall"),
    /** A 1 ms deadline: DEADLINE_EXCEEDED, or OK for a server that fast. */
    DEADLINE("deadline"),
    /** Its own connection, closed by the client after some tokens: the client sees nothing more. */
    VANISH("vanish"),
    /** A body that is not a valid GenerateRequest (invalid UTF-8 in prompt_text): INVALID_ARGUMENT. */
    MALFORMED("malformed");

    /** Its name in the report. */
    final String label;

    CallKind(String label) {
        this.label = label;
    }

    /**
     * How a call ended: a gRPC status code's name, or what the client did to it itself
     * ({@link #CANCELLED_BY_CLIENT}, {@link #DROPPED}), apart from the same status sent by the server.
     */
    record Ending(String status, boolean byClient) {
        /** The client cancelled the call (a CANCEL call at its point). */
        static final Ending CANCELLED_BY_CLIENT = new Ending(Status.Code.CANCELLED.name(), true);
        /** The client closed the call's connection (a VANISH call at its point): it has no status. */
        static final Ending DROPPED = new Ending("DROPPED", true);
        static final Ending OK = of(Status.Code.OK);

        static Ending of(Status.Code code) {
            return new Ending(code.name(), false);
        }
    }

    /** Whether a call of this kind may end so; {@code flood}: the run means to exceed the server's capacity. */
    boolean expects(Ending ending, boolean flood) {
        if (ending.byClient()) {
            return this == CANCEL && ending.equals(Ending.CANCELLED_BY_CLIENT) || this == VANISH && ending.equals(Ending.DROPPED);
        }
        if (flood && this != MALFORMED && is(ending, Status.Code.RESOURCE_EXHAUSTED)) {
            return true;
        }
        return switch (this) {
            case STREAM -> is(ending, Status.Code.OK);
            case STALL -> is(ending, Status.Code.OK, Status.Code.ABORTED);
            case DEADLINE -> is(ending, Status.Code.OK, Status.Code.DEADLINE_EXCEEDED);
            case MALFORMED -> is(ending, Status.Code.INVALID_ARGUMENT);
            case CANCEL, VANISH -> false; // they end by the client's hand, unless something went wrong first
        };
    }

    private static boolean is(Ending ending, Status.Code... codes) {
        for (Status.Code code : codes) {
            if (ending.status().equals(code.name())) {
                return true;
            }
        }
        return false;
    }
}
