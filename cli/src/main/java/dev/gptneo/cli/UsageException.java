package dev.gptneo.cli;

/** The command line is wrong: {@link Main} prints the message and the usage, and exits with 2. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
