package dev.gptneo.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Entry point of {@code ./gptneo}: dispatches to the sub-command named by the first argument. */
public final class Main {
    /** Every sub-command, by name: a new one is one class plus one line here. */
    private static final Map<String, Command> COMMANDS = new TreeMap<>(Map.of(
            "tokenize", new TokenizeCommand(),
            "generate", new GenerateCommand(),
            "logits", new LogitsCommand(),
            "bench", new BenchCommand(),
            "client", new ClientCommand(),
            "serve", new ServeCommand(),
            "serve-bench", new ServeBenchCommand()));

    private Main() {
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        // One line per log record, on stderr (java.util.logging's default takes two).
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %5$s%6$s%n");
        }
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs the command line against the given streams and returns the exit status. */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(usage());
            return 2;
        }
        if (args[0].equals("--help") || args[0].equals("-h")) {
            out.print(usage());
            return 0;
        }
        Command command = COMMANDS.get(args[0]);
        if (command == null) {
            err.println("error: unknown sub-command '" + args[0] + "'");
            err.print(usage());
            return 2;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(command.usage());
            return 0;
        }
        try {
            return command.run(rest, in, out);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(command.usage());
            return 2;
        } catch (Exception e) {
            // Users get the message, not a stack trace: it names the file or line at fault.
            err.println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        } finally {
            out.flush();
        }
    }

    private static String usage() {
        StringBuilder text = new StringBuilder("usage: gptneo <sub-command> [options]   (gptneo <sub-command> --help for its options)\n\nsub-commands:\n");
        COMMANDS.forEach((name, command) -> text.append(String.format("  %-10s %s%n", name, command.summary())));
        return text.toString();
    }
}
