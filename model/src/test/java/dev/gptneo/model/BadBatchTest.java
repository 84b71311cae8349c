package dev.gptneo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Batches the model refuses, each with one line naming the problem, before touching any cache. */
class BadBatchTest {

    private static final FixtureModels MODELS = new FixtureModels(null);
    private static GptNeoModel model;
    private static KvCache a;
    private static KvCache b;

    @BeforeAll
    static void load() throws Exception {
        model = MODELS.get(Fixtures.backends().getFirst(), "tiny-gpt-neo");
        a = model.newCache();
        b = model.newCache();
    }

    @AfterAll
    static void close() {
        a.close();
        b.close();
        MODELS.close();
    }

    @Test
    void anEmptyBatch() {
        assertRefused("no tokens to process: a batch needs at least one row", () -> Batch.builder().build());
        assertRefused("no tokens to process: a batch needs at least one row",
                () -> Batch.builder().add(a, new int[0], Batch.Logits.LAST).build());
    }

    @Test
    void rowsOfASequenceThatAreNotContiguous() {
        assertRefused("rows 2…2 use the cache of rows 0…0 again (a sequence's rows must be contiguous: one run per cache)",
                () -> Batch.builder().row(a, 1, 0, false).row(b, 1, 0, false).row(a, 2, 1, true).build());
    }

    @Test
    void aCacheUsedTwice() {
        assertRefused("rows 3…4 use the cache of rows 0…1 again (a sequence's rows must be contiguous: one run per cache)",
                () -> Batch.builder().add(a, new int[] {1, 2}, Batch.Logits.LAST).add(b, new int[] {3}, Batch.Logits.LAST)
                        .add(a, new int[] {4, 5}, Batch.Logits.LAST).build());
    }

    @Test
    void positionsThatSkip() {
        assertRefused("row 1 is at position 2 after position 0 of its sequence (a sequence's rows are at consecutive positions)",
                () -> Batch.builder().row(a, 1, 0, false).row(a, 2, 2, true).build());
    }

    @Test
    void positionsThatDoNotContinueTheCache() {
        Batch batch = Batch.builder().add(b, new int[] {7}, Batch.Logits.LAST).row(a, 1, 3, true).build();
        assertRefused("row 1 is at position 3 but its cache holds 0 positions (a sequence continues where its cache ends)",
                () -> model.forward(batch, logits(2)));
    }

    @Test
    void positionsPastTheContext() {
        int[] tooMany = new int[model.config().maxPositions() + 1];
        Batch batch = Batch.builder().add(b, new int[] {7}, Batch.Logits.LAST).add(a, tooMany, Batch.Logits.LAST).build();
        assertRefused("context of 129 tokens exceeds max_position_embeddings 128", () -> model.forward(batch, logits(2)));
    }

    @Test
    void idsOutsideTheVocabulary() {
        Batch batch = Batch.builder().add(a, new int[] {1}, Batch.Logits.LAST).add(b, new int[] {50257}, Batch.Logits.LAST).build();
        assertRefused("token id 50257 is outside the vocabulary [0, 50257)", () -> model.forward(batch, logits(2)));
    }

    @Test
    void logitsArraysThatDoNotMatchTheWantedRows() {
        Batch batch = Batch.builder().add(a, new int[] {1, 2}, Batch.Logits.ALL).build();
        assertRefused("1 logits arrays for the 2 rows that want logits", () -> model.forward(batch, logits(1)));
    }

    private static float[][] logits(int rows) {
        return new float[rows][model.config().vocabSize()];
    }

    /** Refused with exactly {@code message}, and no cache was extended. */
    private static void assertRefused(String message, Executable batch) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, batch).getMessage());
        assertEquals(0, a.length());
        assertEquals(0, b.length());
    }
}
