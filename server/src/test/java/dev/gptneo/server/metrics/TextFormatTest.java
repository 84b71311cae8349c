package dev.gptneo.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker the exposition tests rely on refuses what the text format does not allow. */
class TextFormatTest {

    @Test
    void samplesWithEscapedLabelsAreRead() {
        TextFormat parsed = TextFormat.parse("""
                # HELP jvm_memory_pool_used_bytes Used.
                # TYPE jvm_memory_pool_used_bytes gauge
                jvm_memory_pool_used_bytes{pool="G1 Eden Space",note="a \\"b\\" \\\\ c"} 1.5e3 1700000000000
                """);
        assertEquals(1500, parsed.value("jvm_memory_pool_used_bytes",
                Map.of("pool", "G1 Eden Space", "note", "a \"b\" \\ c")));
    }

    @Test
    void aSampleWithoutATypeIsRefused() {
        assertRefused("the sample belongs to no TYPEd family", "gptneo_x 1\n");
    }

    @Test
    void aSampleOfAnotherFamilyIsRefused() {
        assertRefused("the sample belongs to no TYPEd family", "# TYPE gptneo_x counter\ngptneo_y 1\n");
        assertRefused("the sample belongs to no TYPEd family", "# TYPE gptneo_x gauge\ngptneo_x_bucket{le=\"1\"} 1\n");
    }

    @Test
    void namesOutsideTheAllowedCharactersAreRefused() {
        assertRefused("the metric name 'gptneo-x' is not allowed", "# TYPE gptneo_x gauge\ngptneo-x 1\n");
        assertRefused("not '# TYPE <name> <type>'", "# TYPE 1gptneo gauge\n");
        assertRefused("the label name 'a-b' is not allowed", "# TYPE gptneo_x gauge\ngptneo_x{a-b=\"1\"} 1\n");
    }

    @Test
    void malformedValuesAndLabelsAreRefused() {
        assertRefused("the value 'one' is not a number", "# TYPE gptneo_x gauge\ngptneo_x one\n");
        assertRefused("the labels do not end", "# TYPE gptneo_x gauge\ngptneo_x{a=\"1\n");
    }

    private static void assertRefused(String reason, String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextFormat.parse(text));
        assertTrue(e.getMessage().endsWith(reason), e.getMessage());
    }
}
