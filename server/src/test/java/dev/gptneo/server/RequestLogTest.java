package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.proto.v1.DetokenizeRequest;
import dev.gptneo.proto.v1.GenerateRequest;
import dev.gptneo.proto.v1.SamplingParams;
import dev.gptneo.proto.v1.TokenizeRequest;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One INFO line per finished call, with the caller's request_id, and never the text. */
class RequestLogTest {

    private static final String SECRET = "the secret prompt";

    @RegisterExtension
    static final ServingServer test = new ServingServer();

    private CapturedLog log;

    @BeforeEach
    void listen() {
        log = CapturedLog.of(RequestLog.class.getName());
    }

    @AfterEach
    void stopListening() {
        log.close();
    }

    @Test
    void aCompletedGenerationLogsItsIdMethodStatusTokensAndDuration() {
        GenerateRequest request = Requests.greedy(4).toBuilder().setPromptText(SECRET).setRequestId("job-7/a").build();
        String text = test.stub().complete(request).getText();
        String line = onlyLine();
        assertTrue(line.matches("request_id=job-7/a method=Complete status=OK tokens_in=3 tokens_out=4"
                + " duration_ms=\\d+\\.\\d finish_reason=length ttft_ms=\\d+\\.\\d seed=- peer=\\S+"), line);
        assertFalse(line.contains(SECRET) || !text.isBlank() && line.contains(text.strip()), line);
    }

    @Test
    void aStreamedGenerationLogsOnceItEnds() {
        test.stub().generate(Requests.greedy(5, 1, 2).toBuilder().setRequestId("s1").build())
                .forEachRemaining(r -> { });
        assertTrue(onlyLine().startsWith("request_id=s1 method=Generate status=OK tokens_in=2 tokens_out=5 "));
    }

    @Test
    void aSampledGenerationLogsTheSeedItsResponseReports() {
        GenerateRequest greedy = Requests.greedy(4, 1, 2);
        GenerateRequest sampled = greedy.toBuilder().setSampling(greedy.getSampling().toBuilder()
                .setDecoding(SamplingParams.Decoding.SAMPLE)).build();
        long seed = test.stub().complete(sampled).getSeed();
        assertTrue(onlyLine().contains(" seed=" + seed + " "), onlyLine());
    }

    @Test
    void aRefusedRequestLogsItsStatusAndId() {
        GenerateRequest bad = Requests.greedy(0, 1).toBuilder().setRequestId("bad-1").build();
        assertThrows(StatusRuntimeException.class, () -> test.stub().complete(bad));
        assertTrue(onlyLine().startsWith("request_id=bad-1 method=Complete status=INVALID_ARGUMENT "));
    }

    @Test
    void aRequestIdThatBreaksTheRuleIsNotWritten() {
        GenerateRequest bad = Requests.greedy(2, 1).toBuilder().setRequestId("forged\nrequest_id=x").build();
        assertThrows(StatusRuntimeException.class, () -> test.stub().complete(bad));
        assertTrue(onlyLine().startsWith("request_id=- method=Complete status=INVALID_ARGUMENT "));
    }

    @Test
    void tokenizeAndDetokenizeLogTheirTokenCounts() {
        test.stub().tokenize(TokenizeRequest.newBuilder().setText(SECRET).build());
        assertTrue(onlyLine().startsWith("request_id=- method=Tokenize status=OK tokens_in=0 tokens_out=3 "));
        log.clear();
        test.stub().detokenize(DetokenizeRequest.newBuilder().addIds(1).addIds(2).build());
        assertTrue(onlyLine().startsWith("request_id=- method=Detokenize status=OK tokens_in=2 tokens_out=0 "));
    }

    private String onlyLine() {
        List<String> lines = log.records().stream().filter(r -> r.getLevel() == Level.INFO)
                .map(LogRecord::getMessage).toList();
        assertEquals(1, lines.size(), lines::toString);
        assertFalse(lines.getFirst().contains("\n"));
        return lines.getFirst();
    }
}
