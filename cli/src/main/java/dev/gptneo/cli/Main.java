package dev.gptneo.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of {@code ./gptneo}: the sub-commands are picocli commands, so each option's
 * parsing, default and help text come from one declaration.
 */
public final class Main {

    private Main() {
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /**
     * Runs the command line against the given streams and returns the exit status: 0, 1 for a
     * failure ({@code error: message}), 2 for a usage error (the message and the usage). Nothing
     * escapes as a stack trace: an {@link Error} is one line too, unless {@code --verbose}.
     */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return run(args, in, out, err, System.getenv());
    }

    /**
     * {@link #run(String[], InputStream, PrintStream, PrintStream)} with the environment variables
     * given ({@code HF_*}): tests set their own instead of changing the process's.
     */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        TopLevel top = new TopLevel();
        try {
            return commandLine(top, in, out, err, env).execute(args);
        } catch (RuntimeException | Error e) { // thrown past picocli's handlers (an Error while printing, say)
            err.println("error: " + FailureMessage.of(e));
            if (top.verbose) {
                e.printStackTrace(err);
            }
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Every sub-command, configured to behave as {@code gptneo} always has. */
    static CommandLine commandLine(InputStream in, PrintStream out, PrintStream err) {
        return commandLine(new TopLevel(), in, out, err, System.getenv());
    }

    private static CommandLine commandLine(TopLevel top, InputStream in, PrintStream out, PrintStream err,
            Map<String, String> env) {
        Streams io = new Streams(in, out, env);
        // Alphabetical: the order of the top-level help's list.
        CommandLine line = new CommandLine(top)
                .addSubcommand(new BenchCommand(io))
                .addSubcommand(new CommandLine(new ClientCommand()).addSubcommand(new ClientCommand.Generate(io))
                        .addSubcommand(new ClientHealth(io)))
                .addSubcommand(new CompletionCommand(io))
                .addSubcommand(new DetokenizeCommand(io))
                .addSubcommand(new DownloadCommand(io))
                .addSubcommand(new GenerateCommand(io))
                .addSubcommand(new LoadtestCommand(io))
                .addSubcommand(new LogitsCommand(io))
                .addSubcommand(new ServeCommand(io))
                .addSubcommand(new ServeBenchCommand(io))
                .addSubcommand(new TokenizeCommand(io));
        // These settings reach every sub-command already added.
        line.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
                .setSeparator(" ")
                // As before: the last of a repeated option wins, any argument may be a value
                // (--prompt "-x"), and "@file" is a prompt, not a file to expand.
                .setOverwrittenOptionsAllowed(true)
                .setAllowOptionsAsOptionParameters(true)
                .setExpandAtFiles(false)
                // Decimal only, as before (picocli's own would read 010 as octal).
                .registerConverter(Integer.class, Integer::valueOf)
                .registerConverter(Integer.TYPE, Integer::valueOf)
                .registerConverter(Long.class, Long::valueOf)
                .registerConverter(Long.TYPE, Long::valueOf)
                .setParameterExceptionHandler((e, args) -> usageError(e.getCommandLine(), message(e)))
                .setExecutionStrategy(parsed -> {
                    LogFormat.install(top.verbose);
                    return new CommandLine.RunLast().execute(parsed);
                })
                .setExecutionExceptionHandler((e, command, parsed) -> e instanceof UsageException
                        ? usageError(command, e.getMessage())
                        : failure(command, e, top.verbose));
        // Options in the order they are declared (the important ones first), under gptneo's own headings.
        forEach(line, command -> command.getCommandSpec().usageMessage()
                .synopsisHeading("usage: ")
                .commandListHeading("%nsub-commands:%n")
                .sortOptions(false)
                .sortSynopsis(false)
                .width(100));
        return line;
    }

    private static void forEach(CommandLine line, Consumer<CommandLine> action) {
        action.accept(line);
        line.getSubcommands().values().forEach(sub -> forEach(sub, action));
    }

    private static int usageError(CommandLine command, String message) {
        PrintWriter err = command.getErr();
        err.println("error: " + message);
        err.print(command.getUsageMessage());
        err.flush();
        return 2;
    }

    /**
     * Users get the message, not a stack trace: it names the file, flag or line at fault; the
     * trace follows it with {@code --verbose}, for a bug report.
     */
    private static int failure(CommandLine command, Exception e, boolean verbose) {
        PrintWriter err = command.getErr();
        err.println("error: " + FailureMessage.of(e));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    /** Picocli's message, in the words gptneo has always used. */
    private static String message(ParameterException e) {
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String arg = unmatched.getUnmatched().getFirst();
            boolean subCommand = !e.getCommandLine().getSubcommands().isEmpty() && !arg.startsWith("-");
            return (subCommand ? "unknown sub-command '" : "unknown argument '") + arg + "'";
        }
        if (e instanceof MissingParameterException missing && !missing.getMissing().isEmpty()) {
            String name = name(missing.getMissing().getFirst());
            return e.getMessage().startsWith("Missing required option") ? name + " is required" : name + " needs a value";
        }
        if (e.getArgSpec() instanceof OptionSpec option && e.getValue() != null
                && e.getMessage().startsWith("Invalid value")) {
            Class<?> type = option.type();
            if (type == Double.class || type == Double.TYPE) {
                return option.longestName() + " expects a number, got '" + e.getValue() + "'";
            }
            if (type == Integer.class || type == Integer.TYPE || type == Long.class || type == Long.TYPE) {
                return option.longestName() + " expects an integer, got '" + e.getValue() + "'";
            }
        }
        return e.getMessage();
    }

    private static String name(ArgSpec arg) {
        return arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
    }

    /**
     * What a sub-command reads and writes, and the environment it runs in (the Hub's settings);
     * errors go to stderr through {@link Main}.
     */
    record Streams(InputStream in, PrintStream out, Map<String, String> env) {
    }

    /** {@code -h} and {@code --help} on every command. */
    static final class HelpFlag {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
        boolean help;
    }

    @Command(name = "gptneo", versionProvider = VersionText.class,
            customSynopsis = "gptneo <sub-command> [options]   (gptneo <sub-command> --help for its options)")
    static final class TopLevel implements Callable<Integer> {
        @Mixin
        HelpFlag help;

        @Option(names = "--version", versionHelp = true,
                description = "print gptneo's version, the backend it would pick here and the JDK, and exit")
        boolean version;

        /** Inherited: given before the sub-command or anywhere after it, it sets this one field. */
        @Option(names = "--verbose", scope = ScopeType.INHERIT,
                description = "after an error's one line, print its stack trace; log records in full")
        boolean verbose;

        @Spec
        CommandSpec spec;

        /** No sub-command: the usage, on stderr, as for any usage error. */
        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            err.print(spec.commandLine().getUsageMessage());
            err.flush();
            return 2;
        }
    }
}
