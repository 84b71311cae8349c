package dev.gptneo.model.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.model.CheckpointException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One {@code .safetensors} file, memory-mapped: an 8-byte little-endian header length, a JSON
 * header mapping tensor names to dtype, shape and byte offsets, then the raw data. Tensors are
 * slices of the mapping, never copied; the mapping lives as long as the given arena.
 *
 * <p>Everything in the header is checked up front, so a bad file fails here with its name and
 * the offending tensor rather than later in the middle of a forward pass.
 */
public final class SafetensorsFile {

    /** Refuse absurd headers before allocating them (the format's own limit is 100 MB). */
    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final MemorySegment data;
    private final Map<String, Entry> entries;

    private SafetensorsFile(Path path, MemorySegment data, Map<String, Entry> entries) {
        this.path = path;
        this.data = data;
        this.entries = entries;
    }

    public static SafetensorsFile open(Path path, Arena arena) throws IOException {
        MemorySegment file;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": missing");
        }
        if (file.byteSize() < 8) {
            throw new CheckpointException(path + ": truncated (" + file.byteSize() + " bytes, no header)");
        }
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > file.byteSize()) {
            throw new CheckpointException(path + ": header length " + headerLength
                    + " is out of range for a file of " + file.byteSize() + " bytes");
        }
        String headerText = new String(file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.UTF_8);
        JsonObject header;
        try {
            header = JsonParser.parseString(headerText).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new CheckpointException(path + ": header is not a JSON object: " + e.getMessage());
        }
        MemorySegment data = file.asSlice(8 + headerLength);
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            try {
                entries.put(e.getKey(), Entry.parse(e.getValue().getAsJsonObject(), data.byteSize()));
            } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException
                     | NullPointerException | IndexOutOfBoundsException ex) {
                throw new CheckpointException(path + ": tensor " + e.getKey() + ": " + describe(ex));
            }
        }
        return new SafetensorsFile(path, data, Collections.unmodifiableMap(entries));
    }

    /** A header entry: dtype as written, shape, and byte range within the data section. */
    public record Entry(String dtype, long[] shape, long begin, long end) {

        static Entry parse(JsonObject info, long dataBytes) {
            String dtype = info.get("dtype").getAsString();
            var shapeJson = info.getAsJsonArray("shape");
            long[] shape = new long[shapeJson.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeJson.get(i).getAsLong();
                if (shape[i] < 0) {
                    throw new IllegalArgumentException("negative dimension in shape " + shapeJson);
                }
                elements *= shape[i];
            }
            var offsets = info.getAsJsonArray("data_offsets");
            long begin = offsets.get(0).getAsLong();
            long end = offsets.get(1).getAsLong();
            if (begin < 0 || end < begin || end > dataBytes) {
                throw new IllegalArgumentException("data_offsets [" + begin + ", " + end
                        + "] out of range: the data section has " + dataBytes + " bytes (truncated file?)");
            }
            int width = elementBytes(dtype);
            if (width > 0 && elements * width != end - begin) {
                throw new IllegalArgumentException("shape " + shapeJson + " of " + dtype + " needs "
                        + elements * width + " bytes but data_offsets span " + (end - begin));
            }
            return new Entry(dtype, shape, begin, end);
        }

        /** Bytes per element of the safetensors dtypes we know, 0 for others (checked on use). */
        private static int elementBytes(String dtype) {
            return switch (dtype) {
                case "F64", "I64", "U64" -> 8;
                case "F32", "I32", "U32" -> 4;
                case "F16", "BF16", "I16", "U16" -> 2;
                case "I8", "U8", "BOOL" -> 1;
                default -> 0;
            };
        }
    }

    private static String describe(RuntimeException e) {
        return e instanceof NullPointerException ? "missing dtype, shape or data_offsets" : e.getMessage();
    }

    /** The names of all tensors in the header, in header order. */
    public Set<String> names() {
        return entries.keySet();
    }

    /** The header entry of {@code name}, or null when absent. */
    public Entry entry(String name) {
        return entries.get(name);
    }

    /**
     * The tensor {@code name} as a view of the mapping, viewed as a matrix: 2-D shapes keep
     * theirs, 1-D ones become one row.
     *
     * @throws CheckpointException naming the file and tensor, for a dtype we cannot compute in
     */
    public HostTensor tensor(String name) {
        Entry e = entries.get(name);
        DType dtype;
        try {
            dtype = DType.fromSafetensors(e.dtype());
        } catch (IllegalArgumentException ex) {
            throw new CheckpointException(path + ": tensor " + name + ": " + ex.getMessage());
        }
        long rows = e.shape().length == 2 ? e.shape()[0] : 1;
        long cols = e.shape().length == 0 ? 1 : e.shape()[e.shape().length - 1];
        return new HostTensor(name, dtype, Math.toIntExact(rows), Math.toIntExact(cols),
                data.asSlice(e.begin(), e.end() - e.begin()));
    }

    public Path path() {
        return path;
    }
}
