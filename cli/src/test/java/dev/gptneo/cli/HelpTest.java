package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Help cannot drift from parsing: every option each command accepts is in its {@code --help},
 * and every option that takes a value says its default there (or that it is required).
 */
class HelpTest {

    @TestFactory
    Stream<DynamicTest> everyAcceptedOptionIsInItsCommandsHelp() {
        List<DynamicTest> tests = new ArrayList<>();
        collect(Main.commandLine(null, System.out, System.err), List.of(), tests);
        return tests.stream();
    }

    private static void collect(CommandLine command, List<String> path, List<DynamicTest> tests) {
        tests.add(DynamicTest.dynamicTest(String.join(" ", List.of("gptneo", String.join(" ", path))).trim(),
                () -> checkHelp(command, path)));
        command.getSubcommands().forEach((name, sub) -> {
            List<String> subPath = new ArrayList<>(path);
            subPath.add(name);
            collect(sub, subPath, tests);
        });
    }

    private static void checkHelp(CommandLine command, List<String> path) {
        for (String helpFlag : List.of("--help", "-h")) {
            List<String> args = new ArrayList<>(path);
            args.add(helpFlag);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.run(args.toArray(String[]::new), new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, status, args + ": " + err);
            String help = out.toString(StandardCharsets.UTF_8);
            assertTrue(help.startsWith("usage: gptneo"), help);
            for (OptionSpec option : command.getCommandSpec().options()) {
                for (String name : option.names()) {
                    assertTrue(help.contains(name), args + " does not list " + name + ":\n" + help);
                }
                String description = String.join(" ", option.description());
                boolean takesValue = option.arity().max() > 0;
                assertTrue(!takesValue || description.contains("default") || description.contains("required"),
                        option.longestName() + " does not say its default: " + description);
            }
        }
    }
}
