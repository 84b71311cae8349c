package dev.gptneo.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The vector width switch: the kernels run at the width {@code -Dgptneo.vectorBits} names (the
 * build runs the vector tests once at the native width and once at 256 bits), and a width the
 * kernels or the CPU cannot use is refused with a reason naming the property.
 */
class VectorWidthTest {

    @Test
    void theKernelsRunAtTheConfiguredWidth() {
        int expected = Integer.getInteger(VectorWidth.PROPERTY, FloatVector.SPECIES_PREFERRED.vectorBitSize());
        assertEquals(expected, Lanes.FLOATS.vectorBitSize());
        assertEquals(Lanes.LENGTH, Lanes.BYTES.length());
        assertEquals(Lanes.LENGTH, Lanes.SHORTS.length());
        try (VectorBackend backend = new VectorBackend(1)) {
            assertTrue(backend.description().contains(expected + "-bit"), backend.description());
        }
    }

    @Test
    void supportedWidthsAreAccepted() {
        assertEquals(Optional.empty(), VectorWidth.problem(null, 512, 512));
        assertEquals(Optional.empty(), VectorWidth.problem("256", 512, 512));
        assertEquals(Optional.empty(), VectorWidth.problem(" 512 ", 512, 512));
    }

    @Test
    void anUnsupportedWidthIsRefusedWithTheProperty() {
        assertProblem(VectorWidth.problem("100", 512, 512), "-Dgptneo.vectorBits=100 is not a vector width");
        assertProblem(VectorWidth.problem("wide", 512, 512), "-Dgptneo.vectorBits=wide is not a vector width");
        assertProblem(VectorWidth.problem("1024", 512, 512), "-Dgptneo.vectorBits=1024 is not a vector width");
        assertProblem(VectorWidth.problem("512", 256, 256),
                "-Dgptneo.vectorBits=512 is wider than this CPU's widest vectors (256-bit)");
        assertProblem(VectorWidth.problem("128", 512, 512),
                "-Dgptneo.vectorBits=128 is narrower than the 256 bits");
    }

    @Test
    void aCpuWithNarrowVectorsIsRefused() {
        assertProblem(VectorWidth.problem(null, 128, 128), "the CPU's preferred vectors are 128-bit");
    }

    private static void assertProblem(Optional<String> problem, String expected) {
        assertTrue(problem.isPresent(), "no problem reported, expected: " + expected);
        assertTrue(problem.get().startsWith(expected), problem.get());
        assertTrue(!problem.get().contains("\n"), "one line: " + problem.get());
    }
}
