package dev.gptneo.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * What every runnable sub-command has: {@code -h}/{@code --help}, and the streams it reads and
 * writes. {@link #call} returns the exit status; {@link Main} turns exceptions into messages.
 */
abstract class SubCommand implements Callable<Integer> {

    @Mixin
    Main.HelpFlag help;

    final Main.Streams io;

    SubCommand(Main.Streams io) {
        this.io = io;
    }
}
