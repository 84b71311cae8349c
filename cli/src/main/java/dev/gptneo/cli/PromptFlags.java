package dev.gptneo.cli;

import dev.gptneo.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;

/** {@code --prompt TEXT} or {@code --prompt-ids 1,2,3}: exactly one of them. */
final class PromptFlags {

    private PromptFlags() {
    }

    /** The prompt as given: its text, or else its ids. */
    record Prompt(String text, int[] ids) {
    }

    static Prompt prompt(Options options) throws UsageException {
        String text = options.get("--prompt", null);
        String ids = options.get("--prompt-ids", null);
        if ((text == null) == (ids == null)) {
            throw new UsageException("give exactly one of --prompt TEXT and --prompt-ids 1,2,3");
        }
        return new Prompt(text, ids == null ? null : parseIds(ids));
    }

    static int[] promptIds(Options options, Gpt2Tokenizer tokenizer) throws UsageException {
        Prompt prompt = prompt(options);
        return prompt.text() != null ? tokenizer.encode(prompt.text()) : prompt.ids();
    }

    static int[] parseIds(String list) throws UsageException {
        try {
            return Arrays.stream(list.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("--prompt-ids expects comma-separated integers, got '" + list + "'");
        }
    }
}
