package dev.gptneo.kernels.opencl;

import java.nio.charset.StandardCharsets;
import org.jocl.Pointer;

/**
 * A string-valued {@code clGet*Info} query (platform and device names, a build log): asked once
 * for its size and once for its bytes, as OpenCL wants.
 */
@FunctionalInterface
interface InfoString {

    /** The query with its object and parameter fixed: {@code (value size, value, size returned)}. */
    void query(long size, Pointer value, long[] sizeReturned);

    static String read(InfoString info) {
        long[] size = new long[1];
        info.query(0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        info.query(bytes.length, Pointer.to(bytes), null);
        // OpenCL strings end with a NUL.
        int length = bytes.length > 0 && bytes[bytes.length - 1] == 0 ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.UTF_8).trim();
    }
}
