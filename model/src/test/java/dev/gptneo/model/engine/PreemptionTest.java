package dev.gptneo.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.Backends;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.generate.GeneratedToken;
import dev.gptneo.model.generate.GenerationParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine on a KV pool of one full context, the least it takes (9 blocks: 128 positions of
 * the global layers, one block for the local ring), on every backend and fixture. The fixture
 * prompts are submitted longest-lived first, as cases 3 (25 tokens) and 4 (49), then the rest:
 * 3 is admitted with 3 blocks and 4 with 5, leaving the one block of headroom; 3 takes it at
 * position 32, and when 4 reaches position 64 no block is free, so 4, the newest, is preempted
 * and later recomputed. Each prompt must still give what an engine with room for all gives, and
 * for greedy decoding the fixture's ids; every block must be back in the pool at the end.
 */
class PreemptionTest {

    private static final int[] ORDER = {3, 4, 0, 1, 2, 5};
    private static final int SLOTS = ORDER.length;

    static Stream<Arguments> backendsAndCheckpoints() {
        return Fixtures.backends().stream().flatMap(b -> Fixtures.CHECKPOINTS.stream().map(c -> Arguments.of(b, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndCheckpoints")
    void greedyIdsAreTheFixturesDespitePreemption(String backend, String checkpoint) throws Exception {
        List<Fixtures.Case> cases = Fixtures.cases(checkpoint);
        IntFunction<GenerationParams> params = i -> GenerationParams.builder()
                .maxNewTokens(cases.get(i).greedyNewIds().length).ignoreEos(true).build();
        try (LoadedModel model = open(backend, checkpoint)) {
            int[][] roomy = run(model, cases, params, SLOTS);
            int[][] tight = run(model, cases, params, 1);
            for (int i = 0; i < cases.size(); i++) {
                assertArrayEquals(cases.get(i).greedyNewIds(), roomy[i], cases.get(i) + " with room for all");
                assertArrayEquals(cases.get(i).greedyNewIds(), tight[i], cases.get(i) + " on one context's blocks");
            }
        }
    }

    /** On the F32 fixture only: sampling does not depend on the weights' format. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.gptneo.model.Fixtures#backends")
    void seededSamplesAreThoseOfARunWithoutPreemption(String backend) throws Exception {
        String checkpoint = Fixtures.CHECKPOINTS.getFirst();
        List<Fixtures.Case> cases = Fixtures.cases(checkpoint);
        IntFunction<GenerationParams> params = i -> GenerationParams.builder().maxNewTokens(20).ignoreEos(true)
                .sample(true).topK(20).temperature(1.5).seed(100 + i).build();
        try (LoadedModel model = open(backend, checkpoint)) {
            int[][] roomy = run(model, cases, params, SLOTS);
            int[][] tight = run(model, cases, params, 1);
            for (int i = 0; i < cases.size(); i++) {
                assertArrayEquals(roomy[i], tight[i], cases.get(i) + ": sampled ids");
            }
        }
    }

    private static LoadedModel open(String backend, String checkpoint) throws Exception {
        return LoadedModel.open(Fixtures.checkpoint(checkpoint).toString(),
                Backends.create(backend, Fixtures.backendOptions()), null);
    }

    /**
     * The cases' generated ids, from an engine with {@code contexts} full contexts of KV blocks;
     * checks that one context's worth preempts and that every block comes back.
     */
    private static int[][] run(LoadedModel model, List<Fixtures.Case> cases, IntFunction<GenerationParams> params,
                               int contexts) throws Exception {
        long bytes = contexts * KvBudget.fullContextBytes(model.model().config());
        Gate[] gates = new Gate[cases.size()];
        try (BatchingEngine engine = new BatchingEngine(model, SLOTS, 0, 16, bytes)) {
            // Every reader holds back until all are submitted, then all are let go at once, so that the
            // scenario does not depend on how far the engine gets while the test thread submits (on a
            // busy machine, case 3 could otherwise end before case 4 arrives, and nothing would be preempted).
            List<GenerationHandle> handles = new ArrayList<>();
            for (int i : ORDER) {
                gates[i] = Gate.closed();
                handles.add(engine.submit(cases.get(i).inputIds(), params.apply(i), gates[i]));
            }
            for (Gate gate : gates) {
                gate.open.set(true);
            }
            handles.forEach(GenerationHandle::resume);
            int[][] ids = new int[cases.size()][];
            for (int i = 0; i < cases.size(); i++) {
                ids[i] = gates[i].result().get(60, TimeUnit.SECONDS).tokens().stream()
                        .mapToInt(GeneratedToken::id).toArray();
            }
            EngineStats stats = engine.stats();
            assertEquals(0, stats.kvBlocksUsed(), "every block is back in the pool: " + stats);
            assertEquals(contexts * 9, stats.kvBlocksFree(), stats.toString());
            assertTrue(contexts == SLOTS ? stats.preemptions() == 0 : stats.preemptions() > 0, stats.toString());
            return ids;
        }
    }
}
