package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.gptneo.proto.v1.GenerateRequest;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code --log-prompts}: the request log line also holds the prompt and the generated text,
 * JSON-quoted, so a prompt with a newline stays on its one line and cannot forge another.
 */
class LogPromptsTest {

    private static final String PROMPT = "line one\nrequest_id=forged \"quoted\"";

    @Test
    void thePromptAndTheTextAreLoggedQuotedWhenAsked() throws Exception {
        try (TestServer server = TestServer.serving(TestServer.configBuilder(2, Duration.ZERO).logPrompts(true).build());
                CapturedLog log = CapturedLog.of(RequestLog.class.getName())) {
            GenerateRequest request = Requests.greedy(4).toBuilder().setPromptText(PROMPT).build();
            String text = server.stub().complete(request).getText();
            List<String> lines = log.records().stream().filter(r -> r.getLevel() == Level.INFO)
                    .map(LogRecord::getMessage).toList();
            assertEquals(1, lines.size(), lines::toString);
            String line = lines.getFirst();
            assertTrue(!line.contains("\n") && line.startsWith("request_id=- method=Complete status=OK "), line);
            String prompt = line.substring(line.indexOf(" prompt=") + " prompt=".length(), line.indexOf(" text="));
            assertEquals(PROMPT, JsonParser.parseString(prompt).getAsString());
            String logged = line.substring(line.indexOf(" text=") + " text=".length());
            assertEquals(text, JsonParser.parseString(logged).getAsString());
        }
    }

    @Test
    void promptIdsAreLoggedAsTheList() throws Exception {
        try (TestServer server = TestServer.serving(TestServer.configBuilder(2, Duration.ZERO).logPrompts(true).build());
                CapturedLog log = CapturedLog.of(RequestLog.class.getName())) {
            server.stub().complete(Requests.greedy(2, 464, 3616));
            String line = log.records().stream().filter(r -> r.getLevel() == Level.INFO)
                    .map(LogRecord::getMessage).findFirst().orElseThrow();
            assertTrue(line.contains(" prompt=\"[464, 3616]\" text=\""), line);
        }
    }
}
