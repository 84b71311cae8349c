package dev.gptneo.server.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Prometheus text exposition format (0.0.4) parsed as its specification describes it,
 * independently of the Prometheus client that writes it, and strictly: a sample outside a
 * {@code # TYPE}d family, a name the format does not allow, or a malformed line is refused with
 * its line number.
 */
public final class TextFormat {

    /** One sample: its name, its labels in order of appearance, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A {@code # TYPE}d family and its samples, in order. */
    public record Family(String name, String type, List<Sample> samples) {
    }

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    private final Map<String, Family> families = new LinkedHashMap<>();

    private TextFormat() {
    }

    public static TextFormat parse(String text) {
        TextFormat parsed = new TextFormat();
        Family current = null;
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String where = "line " + (i + 1) + " '" + line + "': ";
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                if (parts.length != 4 || !METRIC_NAME.matcher(parts[2]).matches() || !TYPES.contains(parts[3])) {
                    throw new IllegalArgumentException(where + "not '# TYPE <name> <type>'");
                }
                if (parsed.families.containsKey(parts[2])) {
                    throw new IllegalArgumentException(where + "a second TYPE for " + parts[2]);
                }
                current = new Family(parts[2], parts[3], new ArrayList<>());
                parsed.families.put(current.name(), current);
            } else if (line.startsWith("#") || line.isBlank()) {
                continue; // HELP and other comments
            } else {
                Sample sample;
                try {
                    sample = sample(line, where);
                } catch (IndexOutOfBoundsException e) {
                    throw new IllegalArgumentException(where + "the labels do not end", e);
                }
                if (current == null || !belongs(sample.name(), current)) {
                    throw new IllegalArgumentException(where + "the sample belongs to no TYPEd family");
                }
                current.samples().add(sample);
            }
        }
        return parsed;
    }

    public Map<String, Family> families() {
        return families;
    }

    /** The sum of the values of the samples named exactly {@code name}, whatever their labels. */
    public double sum(String name) {
        return families.values().stream().flatMap(f -> f.samples().stream())
                .filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
    }

    /**
     * The value of the sample named {@code name} with exactly {@code labels}; 0 when there is
     * none, since a labelled counter shows a set of labels only once it has counted one.
     */
    public double value(String name, Map<String, String> labels) {
        return families.values().stream().flatMap(f -> f.samples().stream())
                .filter(s -> s.name().equals(name) && s.labels().equals(labels))
                .mapToDouble(Sample::value).findFirst().orElse(0);
    }

    /** Which sample names a family of each type has, as the format specifies. */
    private static boolean belongs(String sample, Family family) {
        String name = family.name();
        return switch (family.type()) {
            case "histogram" -> sample.equals(name + "_bucket") || sample.equals(name + "_sum")
                    || sample.equals(name + "_count");
            case "summary" -> sample.equals(name) || sample.equals(name + "_sum") || sample.equals(name + "_count");
            default -> sample.equals(name);
        };
    }

    /** {@code name[{label="value",...}] value [timestamp]}, label values with \\, \" and \n escaped. */
    private static Sample sample(String line, String where) {
        int at = 0;
        while (at < line.length() && line.charAt(at) != '{' && line.charAt(at) != ' ') {
            at++;
        }
        String name = line.substring(0, at);
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + "the metric name '" + name + "' is not allowed");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at++;
            while (line.charAt(at) != '}') {
                int equals = line.indexOf("=\"", at);
                String label = equals < 0 ? "" : line.substring(at, equals);
                if (!LABEL_NAME.matcher(label).matches()) {
                    throw new IllegalArgumentException(where + "the label name '" + label + "' is not allowed");
                }
                StringBuilder value = new StringBuilder();
                at = equals + 2;
                for (char c = line.charAt(at); c != '"'; c = line.charAt(++at)) {
                    if (c == '\\') {
                        char escaped = line.charAt(++at);
                        value.append(escaped == 'n' ? '\n' : escaped);
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException(where + "the label " + label + " twice");
                }
                at++;
                if (line.charAt(at) == ',') {
                    at++;
                }
            }
            at++;
        }
        String[] rest = line.substring(at).strip().split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException(where + "not 'value [timestamp]' after the name and labels");
        }
        return new Sample(name, labels, value(rest[0], where));
    }

    /** A Go ParseFloat value, as the format specifies, with +Inf, -Inf and NaN. */
    private static double value(String text, String where) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(where + "the value '" + text + "' is not a number");
                }
            }
        };
    }
}
