package dev.gptneo.model.checkpoint;

import dev.gptneo.kernels.HostTensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Finds a NaN or infinity among a tensor's stored values: a checkpoint holding one loads and then
 * turns every logit into NaN (greedy decoding then prints "!!!!" forever). One pass over the raw
 * bits, eight bytes at a time: a value is not finite when its exponent bits are all ones.
 */
final class FiniteValues {

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FiniteValues() {
    }

    /** The index of the first value that is NaN or infinite, or -1 when all are finite. */
    static long firstNonFinite(HostTensor tensor) {
        int width = tensor.dtype().bytes();
        long exponent = switch (tensor.dtype()) {
            case F32 -> 0x7F80_0000L;
            case F16 -> 0x7C00L;
            case BF16 -> 0x7F80L;
            case Q8_0 -> throw new IllegalArgumentException("Q8_0 is not a stored format");
        };
        int lanes = Long.BYTES / width;
        long[] masks = new long[lanes];
        for (int lane = 0; lane < lanes; lane++) {
            masks[lane] = exponent << (lane * width * Byte.SIZE);
        }
        MemorySegment data = tensor.data();
        long words = data.byteSize() / Long.BYTES;
        for (long w = 0; w < words; w++) {
            long bits = data.get(WORD, w * Long.BYTES);
            for (long mask : masks) {
                if ((bits & mask) == mask) {
                    return firstNonFinite(tensor, w * lanes);
                }
            }
        }
        return firstNonFinite(tensor, words * lanes);
    }

    /** The first non-finite value from element {@code from} on, one element at a time. */
    private static long firstNonFinite(HostTensor tensor, long from) {
        for (long i = from; i < tensor.size(); i++) {
            if (!Float.isFinite(tensor.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
