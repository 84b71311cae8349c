package dev.gptneo.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptneo.kernels.scalar.ScalarBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchSequenceTest {

    private final Tensor cache = new ScalarBackend().allocate(4, 2);

    @Test
    void sequencesMustCoverTheRowsInOrder() {
        BatchSequence.checkCovers(List.of(new BatchSequence(0, 2, 0, cache, cache), new BatchSequence(2, 1, 7, cache, cache)), 3, "op");
        var gap = assertThrows(IllegalArgumentException.class, () -> BatchSequence.checkCovers(
                List.of(new BatchSequence(0, 2, 0, cache, cache), new BatchSequence(3, 1, 0, cache, cache)), 4, "attention"));
        assertEquals("attention: a sequence starts at row 3, expected row 2 (sequences must cover the rows in order)",
                gap.getMessage());
        var shortOf = assertThrows(IllegalArgumentException.class, () -> BatchSequence.checkCovers(
                List.of(new BatchSequence(0, 2, 0, cache, cache)), 3, "cacheWrite"));
        assertEquals("cacheWrite: the sequences cover 2 rows of 3", shortOf.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchSequence(0, 0, 0, cache, cache));
    }
}
