package dev.gptneo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.scalar.ScalarBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The block pool and the caches on it: what a sequence holds as it grows, running out, giving back. */
class KvBlockPoolTest {

    /** A small shape with a ring of several blocks: window 40 is ceil(40 / 16) = 3 blocks; 300 positions. */
    private static final GptNeoConfig SMALL = new GptNeoConfig(10, 8, 2, 16, 300, 40, 1e-5f, 0,
            List.of(false, true, false, true));

    private static KvBlockPool pool(GptNeoConfig config, int blocks) {
        return new KvBlockPool(config, new ScalarBackend(), blocks);
    }

    @Test
    void aCacheTakesABlockPerSixteenPositionsOfEachTableAsItGrows() {
        try (KvBlockPool pool = pool(SMALL, 10); KvCache cache = pool.newCache()) {
            assertEquals(0, cache.blocks());
            assertTrue(cache.reserve(1));
            assertEquals(2, cache.blocks(), "one global block and one of the ring");
            assertTrue(cache.reserve(16));
            assertEquals(2, cache.blocks(), "position 15 is still in the first blocks");
            assertTrue(cache.reserve(17));
            assertEquals(4, cache.blocks());
            assertEquals(4, pool.usedBlocks());
            assertEquals(6, pool.freeBlocks());
            assertEquals(10, pool.blocks());
        }
    }

    @Test
    void tablesGrowingSideBySideEachTakeBlocksThatFollowOneAnother() {
        try (KvBlockPool pool = pool(SMALL, 40); KvCache a = pool.newCache(); KvCache b = pool.newCache()) {
            for (int positions = 1; positions <= 64; positions++) {
                assertTrue(a.reserve(positions));
                assertTrue(b.reserve(positions));
            }
            for (KvCache cache : List.of(a, b)) {
                for (int layer : new int[] {0, 1}) { // a global table of 4 blocks, a ring of 3
                    int[] table = cache.table(layer);
                    for (int i = 1; i < table.length; i++) {
                        assertEquals(table[0] + i, table[i], "layer " + layer + " table " + java.util.Arrays.toString(table));
                    }
                }
            }
        }
    }

    @Test
    void aLongSequencesLocalRingNeverHoldsMoreThanItsWindowNeeds() {
        try (KvBlockPool pool = pool(SMALL, 40); KvCache cache = pool.newCache()) {
            for (int positions = 1; positions <= 300; positions++) {
                assertTrue(cache.reserve(positions));
                int global = Math.ceilDiv(positions, 16);
                assertEquals(global + Math.min(global, 3), cache.blocks(), positions + " positions");
            }
            assertEquals(19 + 3, pool.usedBlocks());
        }
    }

    @Test
    void exhaustionTakesNothingAndBlocksComeBackWhenACacheCloses() {
        try (KvBlockPool pool = pool(SMALL, 5)) {
            KvCache first = pool.newCache();
            assertFalse(first.reserve(33), "3 global blocks and 3 of the ring: one more than the pool has");
            assertEquals(0, first.blocks());
            assertEquals(5, pool.freeBlocks());
            assertTrue(first.reserve(20)); // 2 + 2
            KvCache second = pool.newCache();
            assertFalse(second.reserve(17), "it needs 4 blocks, 1 is free");
            assertEquals(0, second.blocks());
            assertEquals(1, pool.freeBlocks());
            assertEquals(4, second.blocksNeeded(17));
            first.close();
            assertEquals(5, pool.freeBlocks());
            assertTrue(second.reserve(17));
            second.reset();
            assertEquals(0, pool.usedBlocks());
            assertEquals(0, second.length());
        }
    }

    @Test
    void aCacheBeyondTheContextIsRefused() {
        try (KvBlockPool pool = pool(SMALL, 40); KvCache cache = pool.newCache()) {
            var e = assertThrows(IllegalArgumentException.class, () -> cache.reserve(301));
            assertEquals("a cache of 301 positions exceeds max_position_embeddings 300", e.getMessage());
        }
    }

    /**
     * GPT-Neo 125M: a block is 16 positions of keys and values, 768 floats each, in 6 pairs of a
     * global and a local layer: 6 · 2 · 16 · 768 · 4 = 589,824 bytes. A 3-token sequence holds two
     * (1.2 MB), where a cache reserved for 2048 positions took 12 · 2 · 768 · 4 bytes per position
     * of its 2048 global and 256 local ones (about 85 MB).
     */
    @Test
    void aFewTokensOf125mHoldTwoBlocksNotTwoThousandPositions() {
        GptNeoConfig config = GptNeoConfig.gptNeo125m();
        assertEquals(589_824, KvBlockPool.blockBytes(config));
        try (KvBlockPool pool = pool(config, 4); KvCache cache = pool.newCache()) {
            assertTrue(cache.reserve(3));
            assertEquals(2, cache.blocks());
            assertEquals(2, pool.usedBlocks());
        }
        // A full context: 2048 / 16 = 128 global blocks and a ring of 256 / 16 = 16.
        assertEquals(144, KvBlockPool.blocksFor(config, 2048));
    }

    /** The same through the model's forward pass: the fixture's 4-token prompt takes a block of each table. */
    @Test
    void theForwardPassTakesOnlyTheBlocksItsPositionsNeed() throws Exception {
        Fixtures.Case shortest = Fixtures.cases("tiny-gpt-neo").getFirst();
        try (GptNeoModel model = GptNeoModel.load(Fixtures.checkpoint("tiny-gpt-neo"), new ScalarBackend(), null);
             KvBlockPool pool = model.newKvPool(9)) {
            float[] logits = new float[model.config().vocabSize()];
            try (KvCache cache = pool.newCache()) {
                model.forward(cache, shortest.inputIds(), logits);
                assertEquals(4, cache.length());
                assertEquals(2, cache.blocks());
                assertEquals(7, pool.freeBlocks());
            }
            assertEquals(0, pool.usedBlocks());
            assertTrue(Fixtures.maxAbsDiff(shortest.lastLogits(), logits) <= ForwardFixtureTest.TOLERANCE);
        }
    }

    @Test
    void aForwardPassBeyondThePoolThrowsBeforeAnyWork() throws Exception {
        Fixtures.Case c = Fixtures.cases("tiny-gpt-neo").get(2); // 45 tokens: 3 global blocks and the ring's 1
        try (GptNeoModel model = GptNeoModel.load(Fixtures.checkpoint("tiny-gpt-neo"), new ScalarBackend(), null);
             KvBlockPool pool = model.newKvPool(3);
             KvCache cache = pool.newCache()) {
            float[] logits = new float[model.config().vocabSize()];
            var e = assertThrows(KvPoolExhaustedException.class, () -> model.forward(cache, c.inputIds(), logits));
            assertEquals("the KV cache is full: a sequence needs 4 more blocks of 16 positions, 3 of the 3 are free",
                    e.getMessage());
            assertEquals(0, cache.length());
            assertArrayEquals(new float[logits.length], logits, "nothing ran");
        }
    }
}
