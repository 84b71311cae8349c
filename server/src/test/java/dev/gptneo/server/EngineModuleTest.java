package dev.gptneo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.scalar.ScalarBackend;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.GptNeoConfig;
import dev.gptneo.model.GptNeoModel;
import dev.gptneo.model.LoadedModel;
import dev.gptneo.model.SyntheticWeights;
import dev.gptneo.model.engine.EngineStats;
import dev.gptneo.model.engine.GenerationEngine;
import dev.gptneo.server.metrics.ServerMetrics;
import dev.gptneo.tokenizer.Gpt2Tokenizer;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's KV pool as the configuration sizes it. */
class EngineModuleTest {

    private static final String FIXTURE = Fixtures.checkpoint("tiny-gpt-neo").toString();

    private static EngineStats idle(LoadedModel model, ServerConfig config) {
        EngineFailure failure = new EngineFailure(new ServingState(new HealthStatusManager()), reason -> {
            throw new AssertionError("the engine failed: " + reason);
        });
        try (GenerationEngine engine = new EngineModule().engine(model, config, new ServerMetrics(), failure)) {
            return engine.stats();
        }
    }

    /**
     * A block of the fixture is 16 positions of 64 floats of keys and values in 2 pairs of layers,
     * 16,384 bytes: 1 MiB buys 64. By default a slot gets a full context, 128 positions in 8 blocks
     * and a ring of 1 (the heap of a test JVM has room for that many).
     */
    @Test
    void theBudgetIsTheFlagsOrByDefaultAFullContextPerSlot() throws Exception {
        try (LoadedModel model = LoadedModel.open(FIXTURE, new ScalarBackend(), null)) {
            assertEquals(64, idle(model, ServerConfig.builder(FIXTURE).kvCacheMb(1).build()).kvBlocksFree());
            assertEquals(3 * 9, idle(model, ServerConfig.builder(FIXTURE).maxConcurrent(3).build()).kvBlocksFree());
        }
    }

    /** Blocks as the fixture's, but a context of 8192 positions: 512 global blocks and one of the ring, 8 MiB. */
    @Test
    void aBudgetBelowOneFullContextIsRefusedNamingTheFlag() {
        GptNeoConfig longContext = new GptNeoConfig(50257, 64, 4, 256, 8192, 8, 1e-5f, 50256,
                List.of(false, true, false, true));
        GptNeoModel graph = GptNeoModel.fromSource(longContext, new SyntheticWeights(1, DType.F32), new ScalarBackend(), null);
        try (LoadedModel model = new LoadedModel("long", graph, Gpt2Tokenizer.gpt2())) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> idle(model, ServerConfig.builder("long").kvCacheMb(1).build()));
            assertEquals("--kv-cache-mb 1: a KV cache of 1.0 MiB holds 64 blocks of 16 positions, fewer than the 513 that"
                    + " one sequence of max_position_embeddings 8192 needs (8.0 MiB)", e.getMessage());
        }
    }
}
