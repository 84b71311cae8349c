package dev.gptneo.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A sub-command's {@code --name value} options and {@code --flag} switches, checked against what it accepts. */
final class Options {
    private final Map<String, String> values = new HashMap<>();

    private Options() {
    }

    /**
     * Parses {@code args}.
     *
     * @param valued the options that take a value
     * @param flags  the options that take none
     * @throws UsageException on an unknown option, a missing value or a stray argument
     */
    static Options parse(List<String> args, Set<String> valued, Set<String> flags) throws UsageException {
        Options options = new Options();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (flags.contains(arg)) {
                options.values.put(arg, "");
            } else if (valued.contains(arg)) {
                if (i + 1 == args.size()) {
                    throw new UsageException(arg + " needs a value");
                }
                options.values.put(arg, args.get(++i));
            } else {
                throw new UsageException("unknown argument '" + arg + "'");
            }
        }
        return options;
    }

    /** The value of a mandatory option. */
    String required(String name) throws UsageException {
        String value = values.get(name);
        if (value == null) {
            throw new UsageException(name + " is required");
        }
        return value;
    }

    /** The value of an optional option, or {@code fallback} when it was not given. */
    String value(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /** The integer value of an optional option, or {@code fallback} when it was not given. */
    int intValue(String name, int fallback) throws UsageException {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a whole number, got '" + value + "'");
        }
    }

    /** Whether a flag was given. */
    boolean has(String flag) {
        return values.containsKey(flag);
    }
}
