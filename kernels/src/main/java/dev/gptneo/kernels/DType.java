package dev.gptneo.kernels;

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
