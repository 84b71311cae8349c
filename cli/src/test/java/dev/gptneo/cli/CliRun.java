package dev.gptneo.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One run of {@code gptneo} through {@link Main#run}, with nothing on stdin: its exit status, stdout and stderr. */
record CliRun(int status, String out, String err) {

    static CliRun of(String... args) {
        return withEnvironment(System.getenv(), args);
    }

    /** A run in the environment {@code env} instead of the process's (the Hub's HF_* variables). */
    static CliRun withEnvironment(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Stdout as the one JSON object it must hold: nothing else is printed there. */
    JsonObject json() {
        return JsonParser.parseString(out).getAsJsonObject();
    }

    /** Stderr's first line: the error, for a run that failed. */
    String firstErrorLine() {
        return err.lines().findFirst().orElse("");
    }
}
