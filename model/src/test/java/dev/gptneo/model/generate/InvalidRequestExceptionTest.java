package dev.gptneo.model.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class InvalidRequestExceptionTest {

    private static List<GenerationParams.Violation> violations(int count) {
        return IntStream.range(0, count).mapToObj(i -> new GenerationParams.Violation("ids[" + i + "]", "is bad"))
                .toList();
    }

    @Test
    void keepsTheFirstViolationsAndCountsTheRest() {
        InvalidRequestException e = new InvalidRequestException(violations(25), 1000);
        assertEquals(violations(InvalidRequestException.MAX_REPORTED), e.violations());
        assertEquals(1005, e.omitted());
        assertEquals(String.join("; ", violations(20).stream().map(Object::toString).toList()) + "; and 1005 more",
                e.getMessage());
    }

    @Test
    void aFewViolationsAreAllReported() {
        InvalidRequestException e = new InvalidRequestException(violations(2));
        assertEquals(violations(2), e.violations());
        assertEquals(0, e.omitted());
        assertEquals("ids[0] is bad; ids[1] is bad", e.getMessage());
    }
}
