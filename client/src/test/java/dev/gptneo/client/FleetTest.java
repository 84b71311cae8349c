package dev.gptneo.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** One client over several servers: gRPC's round_robin spreads calls over those that are healthy. */
class FleetTest {

    @Test
    void spreadsCallsOverThreeServersAndRoutesAroundAStoppedOne() throws Exception {
        List<CallRecorder> recorders = List.of(CallRecorder.counting(), CallRecorder.counting(), CallRecorder.counting());
        try (LoopbackServer a = LoopbackServer.serving(2, recorders.get(0));
                LoopbackServer b = LoopbackServer.serving(2, recorders.get(1));
                LoopbackServer c = LoopbackServer.serving(2, recorders.get(2));
                GptNeoClient client = GptNeoClient.builder().targets(a.target(), b.target(), c.target()).build()) {
            // Servers join the rotation as their connections come up: call until each has had some.
            for (int i = 0; i < 100 && recorders.stream().anyMatch(r -> r.calls() == 0); i++) {
                client.tokenize("hello");
            }
            assertTrue(recorders.stream().allMatch(r -> r.calls() > 0), () -> "calls per server: " + counts(recorders));

            b.stop();
            int stoppedAt = recorders.get(1).calls();
            int othersBefore = recorders.get(0).calls() + recorders.get(2).calls();
            for (int i = 0; i < 12; i++) {
                assertEquals("Hello", client.detokenize(15496));
            }
            assertEquals(stoppedAt, recorders.get(1).calls());
            assertEquals(othersBefore + 12, recorders.get(0).calls() + recorders.get(2).calls());
        }
    }

    @Test
    void skipsAServerWhoseHealthIsNotServing() throws Exception {
        CallRecorder loadingCalls = CallRecorder.counting();
        try (LoopbackServer loading = LoopbackServer.starting(loadingCalls);
                LoopbackServer ready = LoopbackServer.serving(1);
                GptNeoClient client = GptNeoClient.builder().targets(loading.target(), ready.target()).build()) {
            for (int i = 0; i < 6; i++) {
                assertEquals(2, client.tokenize("Hello world").getIdsCount());
            }
            assertEquals(0, loadingCalls.calls());
        }
    }

    private static List<Integer> counts(List<CallRecorder> recorders) {
        return recorders.stream().map(CallRecorder::calls).toList();
    }
}
