package dev.gptneo.server;

/** Ends the process when the server cannot go on; tests bind one that records the call instead. */
@FunctionalInterface
public interface ProcessExit {

    /** Prints {@code error: <reason>} as one line on stderr and exits with status 1. */
    void exit(String reason);

    /** The production one. */
    ProcessExit SYSTEM = reason -> {
        System.err.println("error: " + reason);
        System.exit(1);
    };
}
