package dev.gptneo.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * How log records look on stderr: one line each, {@code 17:03:55 INFO message}. Without
 * {@code --verbose} a record stays one line whatever it holds: its message's first line and its
 * exception as {@code : Class: message} (a user gets what happened, not where in the code);
 * with it, the whole message and the stack trace follow.
 */
final class LogFormat extends Formatter {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    /**
     * gRPC's channels log a failed name resolution as a WARNING with the status and its cause's
     * stack trace in the message itself; the command's own error line says the same in words.
     * Held here: a logger only keeps its level while something refers to it.
     */
    private static final Logger GRPC_CHANNELS = Logger.getLogger("io.grpc.internal.ManagedChannelImpl");

    private final boolean verbose;

    LogFormat(boolean verbose) {
        this.verbose = verbose;
    }

    /** Formats every record of the root logger's handlers (stderr's) so, and quiets gRPC's channel warnings unless verbose. */
    static void install(boolean verbose) {
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            handler.setFormatter(new LogFormat(verbose));
        }
        GRPC_CHANNELS.setLevel(verbose ? null : Level.SEVERE);
    }

    @Override
    public String format(LogRecord record) {
        String message = formatMessage(record);
        StringBuilder line = new StringBuilder()
                .append(TIME.format(LocalTime.ofInstant(record.getInstant(), ZoneId.systemDefault())))
                .append(' ').append(record.getLevel().getLocalizedName()).append(' ')
                .append(verbose ? message : message.lines().findFirst().orElse(""));
        Throwable thrown = record.getThrown();
        if (thrown != null && verbose) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
        } else if (thrown != null) {
            line.append(": ").append(thrown.toString().lines().findFirst().orElse(""));
        }
        return line.append(System.lineSeparator()).toString();
    }
}
