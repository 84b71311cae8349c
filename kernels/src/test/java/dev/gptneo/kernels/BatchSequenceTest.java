package dev.gptneo.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptneo.kernels.scalar.ScalarBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchSequenceTest {

    /** A pool of four blocks of 4 rows. */
    private final Tensor pool = new ScalarBackend().allocate(16, 2);
    private final int[] table = {3, 0};

    private BatchSequence sequence(int firstRow, int rows, int past) {
        return new BatchSequence(firstRow, rows, past, pool, pool, table, 4);
    }

    @Test
    void sequencesMustCoverTheRowsInOrder() {
        BatchSequence.checkCovers(List.of(sequence(0, 2, 0), sequence(2, 1, 7)), 3, "op");
        var gap = assertThrows(IllegalArgumentException.class, () -> BatchSequence.checkCovers(
                List.of(sequence(0, 2, 0), sequence(3, 1, 0)), 4, "attention"));
        assertEquals("attention: a sequence starts at row 3, expected row 2 (sequences must cover the rows in order)",
                gap.getMessage());
        var shortOf = assertThrows(IllegalArgumentException.class, () -> BatchSequence.checkCovers(
                List.of(sequence(0, 2, 0)), 3, "cacheWrite"));
        assertEquals("cacheWrite: the sequences cover 2 rows of 3", shortOf.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sequence(0, 0, 0));
    }

    /** Expected rows worked out by hand: block table[(p / 4) % 2], row block·4 + p % 4. */
    @Test
    void aPositionLiesInItsBlocksRowAndARingWraps() {
        BatchSequence s = sequence(0, 1, 0);
        assertEquals(8, s.capacity());
        assertEquals(12, s.row(0));
        assertEquals(15, s.row(3));
        assertEquals(0, s.row(4));
        assertEquals(3, s.row(7));
        assertEquals(13, s.row(9)); // the third block of positions reuses the first entry: block 3
        assertEquals(2, s.row(14));
    }

    @Test
    void aBlockOutsideThePoolIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new BatchSequence(0, 1, 0, pool, pool, new int[] {1, 4}, 4));
        assertEquals("batch sequence: block 4 of its table is outside the 4 blocks of 4 rows of its pool (16 rows)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchSequence(0, 1, 0, pool, pool, new int[0], 4));
    }

    @Test
    void attentionNeedsATableThatHoldsWhatItsRowsSee() {
        // Global: 9 positions do not fit two blocks of 4; a window of 6 does, however long the sequence.
        var global = assertThrows(IllegalArgumentException.class,
                () -> BatchSequence.checkAttention(List.of(sequence(0, 2, 7)), 2, 0));
        assertEquals("attention: the sequence at rows 0…1 has a table of 2 blocks (8 positions); its 9 positions need 9",
                global.getMessage());
        BatchSequence.checkAttention(List.of(sequence(0, 2, 70)), 2, 6);
        var local = assertThrows(IllegalArgumentException.class,
                () -> BatchSequence.checkAttention(List.of(sequence(0, 2, 70)), 2, 9));
        assertEquals("attention: the sequence at rows 0…1 has a table of 2 blocks (8 positions); its 72 positions"
                + " need 9 in a window of 9", local.getMessage());
    }
}
