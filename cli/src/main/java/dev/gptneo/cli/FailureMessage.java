package dev.gptneo.cli;

import com.google.inject.ConfigurationException;
import com.google.inject.CreationException;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;

/**
 * The one line a failed command prints. {@code serve} builds its server with Guice, which wraps
 * what went wrong (a checkpoint that cannot be loaded, a port in use) in a report of its bindings
 * and, on Java 25, of its own failure to read our class files; the message that names the file,
 * flag or field is the first error's cause. A failure on another thread (the warm-up generation)
 * comes wrapped as an {@link ExecutionException} whose message is only its cause's class name;
 * an {@link Error} a command throws, in picocli's {@link CommandLine.ExecutionException}.
 */
final class FailureMessage {

    private FailureMessage() {
    }

    /** What went wrong, in one line: the innermost message, unwrapped from Guice's and the executors' reports. */
    static String of(Throwable failure) {
        Throwable e = failure;
        while (true) {
            List<Message> errors = guiceErrors(e);
            if (!errors.isEmpty()) {
                Message first = errors.getFirst();
                if (first.getCause() == null) {
                    return firstLine(first.getMessage());
                }
                e = first.getCause();
            } else if ((e instanceof ExecutionException || e instanceof CompletionException
                    || e instanceof CommandLine.ExecutionException) && e.getCause() != null) {
                e = e.getCause();
            } else {
                String message = e.getMessage();
                return message == null || message.isBlank() ? e.toString() : firstLine(message);
            }
        }
    }

    private static List<Message> guiceErrors(Throwable e) {
        Collection<Message> errors = switch (e) {
            case ProvisionException p -> p.getErrorMessages();
            case CreationException c -> c.getErrorMessages();
            case ConfigurationException c -> c.getErrorMessages();
            default -> List.of();
        };
        return List.copyOf(errors);
    }

    private static String firstLine(String message) {
        return message.lines().findFirst().orElse(message).strip();
    }
}
