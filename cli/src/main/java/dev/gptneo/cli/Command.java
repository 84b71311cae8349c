package dev.gptneo.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/** One {@code gptneo} sub-command; {@link Main} finds it by name in its registry. */
interface Command {

    /** One line for the {@code --help} list of sub-commands. */
    String summary();

    /** The sub-command's usage text, ending with a newline. */
    String usage();

    /**
     * Runs the sub-command.
     *
     * @param args the arguments after the sub-command's name
     * @return the process exit code
     * @throws UsageException if the arguments are wrong (exit code 2, usage shown)
     * @throws Exception      for any other failure (shown as {@code error: message}, exit code 1)
     */
    int run(List<String> args, InputStream in, OutputStream out) throws Exception;
}
