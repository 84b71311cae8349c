package dev.gptneo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.inject.Guice;
import dev.gptneo.model.Fixtures;
import dev.gptneo.server.GptNeoServer;
import dev.gptneo.server.ServerModules;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code client generate --json} prints what {@code generate --json} prints for the same generation, from the stream. */
class ClientGenerateJsonTest {

    private static final String FIXTURE = Fixtures.checkpoint("tiny-gpt-neo").toString();
    private static final String PROMPT_IDS = Arrays.stream(Fixtures.cases("tiny-gpt-neo").getFirst().inputIds())
            .mapToObj(String::valueOf).collect(Collectors.joining(","));
    private static GptNeoServer server;

    @BeforeAll
    static void start() throws Exception {
        server = Guice.createInjector(ServerModules.production(ServeCommandTest.config("--model", FIXTURE, "--backend",
                "scalar", "--port", "0", "--metrics-port", "-1"))).getInstance(GptNeoServer.class).start();
        server.load();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.shutdown();
    }

    private static JsonObject json(String... args) {
        CliRun run = CliRun.of(args);
        assertEquals(0, run.status(), run.err());
        return run.json();
    }

    /** Remote, then local, with the same generation flags. */
    private static JsonObject[] both(String... generation) {
        JsonObject remote = json(Stream.concat(Stream.of("client", "generate", "--target", "127.0.0.1:" + server.port(),
                "--prompt-ids", PROMPT_IDS, "--json"), Stream.of(generation)).toArray(String[]::new));
        JsonObject local = json(Stream.concat(Stream.of("generate", "--model", FIXTURE, "--backend", "scalar",
                "--prompt-ids", PROMPT_IDS, "--json"), Stream.of(generation)).toArray(String[]::new));
        return new JsonObject[] {remote, local};
    }

    @Test
    void greedyWithTopLogprobsIsTheLocalObject() {
        JsonObject[] both = both("--max-new-tokens", "4", "--ignore-eos", "--top-logprobs", "2");
        JsonObject remote = both[0];
        JsonObject local = both[1];
        assertEquals(local.keySet(), remote.keySet());
        for (String field : new String[] {"ids", "text", "finish_reason", "usage"}) {
            assertEquals(local.get(field), remote.get(field), field);
        }
        JsonArray remoteTokens = remote.getAsJsonArray("tokens");
        JsonArray localTokens = local.getAsJsonArray("tokens");
        assertEquals(4, remoteTokens.size());
        for (int i = 0; i < remoteTokens.size(); i++) {
            JsonObject r = remoteTokens.get(i).getAsJsonObject();
            JsonObject l = localTokens.get(i).getAsJsonObject();
            assertEquals(l.get("id"), r.get("id"));
            assertEquals(l.get("text"), r.get("text"));
            assertEquals(l.get("logprob").getAsDouble(), r.get("logprob").getAsDouble(), 1e-4, "token " + i);
            assertEquals(2, r.getAsJsonArray("top_logprobs").size());
        }
        JsonObject timings = remote.getAsJsonObject("timings");
        assertTrue(timings.get("total_ms").getAsDouble() >= timings.get("time_to_first_token_ms").getAsDouble()
                && timings.get("time_to_first_token_ms").getAsDouble() > 0, timings.toString());
    }

    /** Without --seed the server draws one and reports it; given back, it repeats the text. */
    @Test
    void samplingReportsTheServersSeed() {
        String target = "127.0.0.1:" + server.port();
        JsonObject drawn = json("client", "generate", "--target", target, "--prompt-ids", PROMPT_IDS, "--json",
                "--sample", "--max-new-tokens", "8", "--ignore-eos");
        String seed = drawn.get("seed").getAsString();
        JsonObject[] both = both("--sample", "--max-new-tokens", "8", "--ignore-eos", "--seed", seed);
        assertEquals(drawn.get("ids"), both[0].get("ids"));
        assertEquals(both[1].get("ids"), both[0].get("ids"));
        assertEquals(both[1].get("seed"), both[0].get("seed"));
    }
}
