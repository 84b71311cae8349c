package dev.gptneo.kernels.vector;

import java.util.Optional;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The width of the vector backend's vectors: the platform's preferred width, or the one the
 * {@value #PROPERTY} system property forces, so that a machine with wider vectors can run (and
 * test) the code that a narrower one runs. Read once per process: the kernels' species are
 * constants.
 */
public final class VectorWidth {

    public static final String PROPERTY = "gptneo.vectorBits";
    /** Fewer float lanes than this would make the byte species of Q8_0 narrower than any vector shape. */
    static final int MIN_BITS = 256;
    /** The widest vector shape below the platform-specific maximum one. */
    private static final int MAX_NAMED_BITS = 512;

    private static final String VALUE = System.getProperty(PROPERTY);
    private static final int PREFERRED_BITS = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    private static final Optional<String> PROBLEM =
            problem(VALUE, PREFERRED_BITS, FloatVector.SPECIES_MAX.vectorBitSize());

    private VectorWidth() {
    }

    /** Why the vector backend cannot run at the chosen width, or empty when it can. */
    public static Optional<String> problem() {
        return PROBLEM;
    }

    /** The chosen width in bits; fails with the {@link #problem()} when there is one. */
    public static int bits() {
        PROBLEM.ifPresent(problem -> {
            throw new IllegalStateException(problem);
        });
        return VALUE == null ? PREFERRED_BITS : Integer.parseInt(VALUE.trim());
    }

    /** The float species of the chosen width: the one every kernel uses. */
    public static VectorSpecies<Float> floats() {
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits()));
    }

    /**
     * What is wrong with running at {@code value} (the property's text, null when unset) on a
     * platform whose vectors are {@code preferredBits} by preference and {@code maxBits} at most.
     */
    static Optional<String> problem(String value, int preferredBits, int maxBits) {
        if (value == null) {
            return preferredBits >= MIN_BITS ? Optional.empty()
                    : Optional.of("the CPU's preferred vectors are " + preferredBits + "-bit; this backend needs "
                            + MIN_BITS + "-bit (AVX2 or better): use --backend scalar");
        }
        int bits = parse(value);
        String setting = "-D" + PROPERTY + "=" + value;
        if (bits < 64 || bits > MAX_NAMED_BITS || Integer.bitCount(bits) != 1) {
            return Optional.of(setting + " is not a vector width (use " + MIN_BITS + " or " + MAX_NAMED_BITS
                    + ", or leave it unset for the CPU's preferred " + preferredBits + ")");
        }
        if (bits > maxBits) {
            return Optional.of(setting + " is wider than this CPU's widest vectors (" + maxBits + "-bit)");
        }
        if (bits < MIN_BITS) {
            return Optional.of(setting + " is narrower than the " + MIN_BITS
                    + " bits the BF16, F16 and Q8_0 kernels need");
        }
        return Optional.empty();
    }

    private static int parse(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
