package dev.gptneo.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The float encoders against bit patterns from the format definitions (IEEE 754 binary16, and
 * bfloat16 as the upper half of binary32 rounded to nearest, ties to even), not from our code.
 */
class DTypeTest {

    /** The 16-bit pattern {@code dtype} stores for {@code value}. */
    private static int bits(DType dtype, float value) {
        byte[] bytes = new byte[2];
        dtype.store(MemorySegment.ofArray(bytes), 0, value);
        return (bytes[0] & 0xFF) | (bytes[1] & 0xFF) << 8;
    }

    @ParameterizedTest(name = "bf16 of float bits {0} = {1}")
    @CsvSource({
            "0x3F800000, 0x3F80", // 1.0
            "0xC0000000, 0xC000", // -2.0
            "0x40490FDB, 0x4049", // pi
            "0x3EAAAAAB, 0x3EAB", // 1/3: low half 0xAAAB is over halfway, rounds up
            "0x3F808000, 0x3F80", // exactly halfway, upper half even: stays
            "0x3F818000, 0x3F82", // exactly halfway, upper half odd: up to even
            "0x3F808001, 0x3F81", // just over halfway
            "0x3F807FFF, 0x3F80", // just under halfway
            "0x3F7FFFFF, 0x3F80", // the carry goes into the exponent
            "0x7F7FFFFF, 0x7F80", // the largest float is beyond bfloat16's largest + half an ulp: infinity
            "0x7F800000, 0x7F80", // +infinity
            "0x80000000, 0x8000", // -0.0
            "0x00000001, 0x0000", // the smallest float subnormal rounds to zero
            "0x7FC00000, 0x7FC0", // quiet NaN
            "0x7F800001, 0x7FC0", // a NaN whose payload is all below bit 16 stays a NaN
    })
    void bf16RoundsToNearestEven(String floatBits, String expected) {
        float value = Float.intBitsToFloat(Integer.parseUnsignedInt(floatBits.substring(2), 16));
        assertEquals(Integer.parseInt(expected.substring(2), 16), bits(DType.BF16, value), floatBits);
    }

    @ParameterizedTest(name = "f16 of {0} = {1}")
    @CsvSource({
            "1.0, 0x3C00",
            "-2.0, 0xC000",
            "0.5, 0x3800",
            "65504.0, 0x7BFF", // the largest finite half
            "65519.0, 0x7BFF", // under halfway to the next (65536): the largest finite
            "65520.0, 0x7C00", // halfway, ties to even: infinity
            "0.333333333, 0x3555", // 1/3
            "6.103515625E-5, 0x0400", // the smallest normal, 2^-14
            "5.9604644775390625E-8, 0x0001", // the smallest subnormal, 2^-24
            "-0.0, 0x8000",
    })
    void f16IsIeeeBinary16(float value, String expected) {
        assertEquals(Integer.parseInt(expected.substring(2), 16), bits(DType.F16, value), Float.toString(value));
    }

    @Test
    void encodeWritesEveryValueLittleEndian() {
        byte[] bf16 = new byte[4];
        DType.BF16.encode(new float[] {1.0f, -2.0f}, MemorySegment.ofArray(bf16));
        assertArrayEquals(new byte[] {(byte) 0x80, 0x3F, 0x00, (byte) 0xC0}, bf16);
        byte[] f16 = new byte[4];
        DType.F16.encode(new float[] {1.0f, 65504f}, MemorySegment.ofArray(f16));
        assertArrayEquals(new byte[] {0x00, 0x3C, (byte) 0xFF, 0x7B}, f16);
        byte[] f32 = new byte[4];
        DType.F32.encode(new float[] {1.0f}, MemorySegment.ofArray(f32));
        assertArrayEquals(new byte[] {0x00, 0x00, (byte) 0x80, 0x3F}, f32);
    }

    @Test
    void q8IsNotAnEncoding() {
        assertThrows(IllegalArgumentException.class, () -> DType.Q8_0.store(MemorySegment.ofArray(new byte[4]), 0, 1f));
    }
}
