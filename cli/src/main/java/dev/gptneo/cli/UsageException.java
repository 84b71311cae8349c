package dev.gptneo.cli;

/**
 * The command line is wrong in a way only the command can tell (options that exclude each other,
 * a value out of range): {@link Main} prints the message and the usage, and exits with 2.
 */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
