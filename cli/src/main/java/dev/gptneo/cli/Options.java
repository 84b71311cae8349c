package dev.gptneo.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A sub-command's {@code --name value} options and {@code --flag} switches, checked against what it accepts. */
final class Options {
    private final Map<String, List<String>> values = new HashMap<>();

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
                options.values.computeIfAbsent(arg, k -> new ArrayList<>()).add("");
            } else if (valued.contains(arg)) {
                if (i + 1 == args.size()) {
                    throw new UsageException(arg + " needs a value");
                }
                options.values.computeIfAbsent(arg, k -> new ArrayList<>()).add(args.get(++i));
            } else {
                throw new UsageException("unknown argument '" + arg + "'");
            }
        }
        return options;
    }

    /** The options of several groups together, for a sub-command that takes them all. */
    @SafeVarargs
    static Set<String> union(Set<String>... groups) {
        Set<String> all = new java.util.HashSet<>();
        for (Set<String> group : groups) {
            all.addAll(group);
        }
        return Set.copyOf(all);
    }

    /** The value of a mandatory option. */
    String required(String name) throws UsageException {
        String value = get(name, null);
        if (value == null) {
            throw new UsageException(name + " is required");
        }
        return value;
    }

    /** The (last) value of an option, or {@code fallback} when it was not given. */
    String get(String name, String fallback) {
        List<String> all = values.get(name);
        return all == null ? fallback : all.getLast();
    }

    /** Every value of a repeatable option, in order. */
    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** An integer option, or {@code fallback}. */
    int intValue(String name, int fallback) throws UsageException {
        return parsed(name, fallback, Integer::valueOf, "an integer");
    }

    /** A long option, or {@code fallback}. */
    long longValue(String name, long fallback) throws UsageException {
        return parsed(name, fallback, Long::valueOf, "an integer");
    }

    /** A number option, or {@code fallback}. */
    double doubleValue(String name, double fallback) throws UsageException {
        return parsed(name, fallback, Double::valueOf, "a number");
    }

    private <T> T parsed(String name, T fallback, java.util.function.Function<String, T> parse, String kind)
            throws UsageException {
        String value = get(name, null);
        try {
            return value == null ? fallback : parse.apply(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " expects " + kind + ", got '" + value + "'");
        }
    }

    /** Whether a flag was given. */
    boolean has(String flag) {
        return values.containsKey(flag);
    }
}
