package dev.gptneo.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code gptneo completion}: a bash/zsh completion script of every sub-command and flag, made by
 * picocli's {@link AutoComplete} from the same declarations that parse them, so it cannot drift.
 * A command of our own rather than picocli's {@code GenerateCompletion}, whose help and
 * {@code --version} would be worded and named unlike every other sub-command's.
 */
@Command(name = "completion", description = "print a bash/zsh completion script: source <(./gptneo completion)")
final class CompletionCommand extends SubCommand {

    @Spec
    CommandSpec spec;

    CompletionCommand(Main.Streams io) {
        super(io);
    }

    @Override
    public Integer call() {
        CommandSpec root = spec.root();
        new PrintStream(io.out(), true, StandardCharsets.UTF_8).print(AutoComplete.bash(root.name(), root.commandLine()));
        return 0;
    }
}
