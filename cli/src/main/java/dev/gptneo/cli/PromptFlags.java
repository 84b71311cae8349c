package dev.gptneo.cli;

import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --prompt TEXT} or {@code --prompt-ids 1,2,3}: exactly one of them. */
final class PromptFlags {

    @Option(names = "--prompt", paramLabel = "TEXT", description = "the prompt as text (this or --prompt-ids; default: none)")
    String text;

    @Option(names = "--prompt-ids", paramLabel = "1,2,3",
            description = "the prompt as comma-separated token ids (this or --prompt; default: none)")
    String ids;

    /** The prompt as given: its text, or else its ids. */
    record Prompt(String text, int[] ids) {
    }

    Prompt prompt() throws UsageException {
        if ((text == null) == (ids == null)) {
            throw new UsageException("give exactly one of --prompt TEXT and --prompt-ids 1,2,3");
        }
        return new Prompt(text, ids == null ? null : parseIds("--prompt-ids", ids));
    }

    /** The flags given, by name: for a command that takes its prompts elsewhere to refuse them. */
    List<String> given() {
        List<String> given = new ArrayList<>();
        if (text != null) {
            given.add("--prompt");
        }
        if (ids != null) {
            given.add("--prompt-ids");
        }
        return given;
    }

    int[] promptIds(Gpt2Tokenizer tokenizer) throws UsageException {
        Prompt prompt = prompt();
        return prompt.text() != null ? tokenizer.encode(prompt.text()) : prompt.ids();
    }

    /** {@code flag}'s value, comma-separated token ids; else a usage error naming the flag. */
    static int[] parseIds(String flag, String list) throws UsageException {
        try {
            return Arrays.stream(list.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " expects comma-separated integers, got '" + list + "'");
        }
    }
}
