package dev.gptneo.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every kernel uses, at the {@link VectorWidth}. They are {@code static final}
 * so that C2 sees constants and compiles each operation to single instructions instead of boxing
 * vectors.
 *
 * <p>Narrow formats are loaded with as many lanes as a float vector has, so one load of
 * {@link #SHORTS} (BF16, F16) or {@link #BYTES} (Q8_0) widens into exactly one {@link #FLOATS}.
 */
final class Lanes {

    static final VectorSpecies<Float> FLOATS = VectorWidth.floats();
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
    static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FLOATS.vectorBitSize() / 2));
    static final VectorSpecies<Byte> BYTES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(FLOATS.vectorBitSize() / 4));
    static final int LENGTH = FLOATS.length();
    /**
     * The CPU's vector registers, which bound the size of a register tile: 32 where its widest
     * vectors are 512-bit (AVX-512, whose encoding also gives narrower vectors 32), else 16 (AVX2).
     */
    static final int VECTOR_REGISTERS = FloatVector.SPECIES_MAX.vectorBitSize() >= 512 ? 32 : 16;

    private Lanes() {
    }
}
