package dev.gptneo.cli;

import java.io.PrintWriter;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A command's progress on stderr while it works: on a terminal one line redrawn in place each
 * period, elsewhere a new line each period (for logs). Closing it stops the redraws, waiting for
 * one being written so that what follows never lands inside it; on a terminal it then draws the
 * final state and ends the line.
 */
final class ProgressLine implements AutoCloseable {

    private static final int STDERR = 2;

    private final PrintWriter err;
    private final boolean terminal;
    private final Supplier<String> text;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());

    ProgressLine(PrintWriter err, boolean terminal, Duration period, Supplier<String> text) {
        this.err = err;
        this.terminal = terminal;
        this.text = text;
        ticker.scheduleAtFixedRate(this::show, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Whether stderr is a terminal ({@code isatty(2)}, through the FFM API). Not
     * {@code System.console()}: it answers for stdin and stdout, and a command whose results go
     * to a file ({@code > out.jsonl}) still shows its progress on the terminal.
     */
    @SuppressWarnings("restricted") // a downcall: native access is enabled for the project in jvm.options
    static boolean stderrIsTerminal() {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> isatty = linker.defaultLookup().find("isatty");
        if (isatty.isEmpty()) {
            return false;
        }
        MethodHandle call = linker.downcallHandle(isatty.get(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try {
            return (int) call.invokeExact(STDERR) == 1;
        } catch (Throwable e) {
            return false; // no answer: no progress line, which is never needed for the result
        }
    }

    private void show() {
        if (terminal) {
            err.print("\r" + text.get() + "   "); // the spaces clear what a longer line left
        } else {
            err.println(text.get());
        }
        err.flush();
    }

    @Override
    public void close() {
        ticker.close();
        if (terminal) {
            show();
            err.println();
            err.flush();
        }
    }
}
