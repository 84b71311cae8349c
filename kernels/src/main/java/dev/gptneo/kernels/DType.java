package dev.gptneo.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * Element formats a weight tensor may be stored in. Activations are always F32.
 *
 * <p>{@code Q8_0} is not a checkpoint format: backends produce it at load time from any of the
 * others (blocks of {@link #Q8_BLOCK} int8 values sharing one float scale).
 */
public enum DType {
    F32(4),
    F16(2),
    BF16(2),
    Q8_0(1);

    /** Values per Q8_0 block; each block has one scale. */
    public static final int Q8_BLOCK = 32;

    private static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element as stored (Q8_0: the int8 payload only, scales are extra). */
    public int bytes() {
        return bytes;
    }

    /** Bytes a {@code rows × cols} matrix takes in this format, Q8_0 block scales included. */
    public long storageBytes(long rows, long cols) {
        long perRow = this == Q8_0
                ? cols + (cols + Q8_BLOCK - 1) / Q8_BLOCK * Float.BYTES
                : cols * bytes;
        return rows * perRow;
    }

    /**
     * Stores {@code value} as element {@code index} of {@code dst} in this format, little-endian
     * as checkpoints are, rounded to the nearest representable value (ties to even), as PyTorch
     * rounds when it converts. The one float encoder: synthetic weights, test tensors and
     * benchmarks all write through it.
     *
     * @throws IllegalArgumentException for Q8_0, which backends make from a checkpoint format
     */
    public void store(MemorySegment dst, long index, float value) {
        switch (this) {
            case F32 -> dst.setAtIndex(F32_LE, index, value);
            case F16 -> dst.setAtIndex(U16_LE, index, Float.floatToFloat16(value));
            case BF16 -> dst.setAtIndex(U16_LE, index, bf16Bits(value));
            case Q8_0 -> throw new IllegalArgumentException("Q8_0 is made by backends, not stored from floats");
        }
    }

    /** Stores {@code values} as elements {@code 0 … values.length-1} of {@code dst}; see {@link #store}. */
    public void encode(float[] values, MemorySegment dst) {
        for (int i = 0; i < values.length; i++) {
            store(dst, i, values[i]);
        }
    }

    /**
     * The bfloat16 nearest {@code value}, ties to even: the upper half of its float bits, plus one
     * when the lower half is over halfway or exactly halfway with an odd upper half (a carry into
     * the exponent is correct, up to infinity). Truncating instead would bias every value toward
     * zero. NaNs stay NaNs (rounding could carry a signalling NaN's low payload into infinity).
     */
    private static short bf16Bits(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) (bits >>> 16 | 0x0040);
        }
        return (short) ((bits + 0x7FFF + (bits >>> 16 & 1)) >>> 16);
    }

    /** Parses a safetensors dtype name (F32, F16, BF16); anything else is an error naming it. */
    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> throw new IllegalArgumentException(
                    "unsupported dtype " + name + " (expected F32, F16 or BF16)");
        };
    }

    /** Parses a user-facing name such as {@code f32}, {@code bf16}, {@code q8}. */
    public static DType fromUserName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> F32;
            case "f16", "float16" -> F16;
            case "bf16", "bfloat16" -> BF16;
            case "q8", "q8_0" -> Q8_0;
            default -> throw new IllegalArgumentException(
                    "unknown dtype '" + name + "' (expected f32, f16, bf16 or q8)");
        };
    }

    public String userName() {
        return this == Q8_0 ? "q8" : name().toLowerCase(Locale.ROOT);
    }
}
