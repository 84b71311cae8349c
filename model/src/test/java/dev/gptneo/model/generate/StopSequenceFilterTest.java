package dev.gptneo.model.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopSequenceFilterTest {

    @Test
    void holdsBackAPossibleStartAndReleasesItWhenItCannotBeOne() {
        StopSequenceFilter f = new StopSequenceFilter(List.of("\n\nUser:"));
        assertEquals("Hello", f.push("Hello\n"));
        assertEquals("", f.push("\n"));
        assertEquals("\n\nThere", f.push("There"));
        assertFalse(f.stopped());
    }

    @Test
    void stopAcrossPiecesReleasesOnlyTheTextBeforeIt() {
        StopSequenceFilter f = new StopSequenceFilter(List.of("END"));
        assertEquals("abc ", f.push("abc E"));
        assertEquals("", f.push("N"));
        assertEquals("", f.push("D and more"));
        assertTrue(f.stopped());
        assertEquals("", f.push("ignored"));
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopSequenceFilter f = new StopSequenceFilter(List.of("world", "lo w"));
        assertEquals("hel", f.push("hello world"));
        assertTrue(f.stopped());
    }

    @Test
    void flushReleasesHeldText() {
        StopSequenceFilter f = new StopSequenceFilter(List.of("stop"));
        assertEquals("it ", f.push("it st"));
        assertEquals("st", f.flush());
    }

    @Test
    void withoutStopsEverythingPassesThrough() {
        StopSequenceFilter f = new StopSequenceFilter(List.of());
        assertEquals("é€😀", f.push("é€😀"));
    }
}
