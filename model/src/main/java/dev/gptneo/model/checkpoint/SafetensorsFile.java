package dev.gptneo.model.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.gptneo.kernels.DType;
import dev.gptneo.kernels.HostTensor;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.tokenizer.io.InputFiles;
import dev.gptneo.tokenizer.io.JsonSource;
import dev.gptneo.tokenizer.io.StrictJson;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code .safetensors} file, memory-mapped: an 8-byte little-endian header length, a JSON
 * header mapping tensor names to dtype, shape and byte offsets, then the raw data. Tensors are
 * slices of the mapping, never copied; the mapping lives as long as the given arena.
 *
 * <p>Everything the format requires is checked up front, as its reference implementation does, so
 * a bad file fails here with its name and the offending tensor rather than loading as something
 * else: a header of strict JSON (no key twice, nothing after it) of at most 100 MB, every size
 * equal to dtype × shape, and data offsets that tile the data section exactly — sorted by start,
 * each tensor begins where the one before ends, the first at 0 and the last at the end, so no two
 * tensors overlap and no byte is unaccounted for.
 */
public final class SafetensorsFile implements TensorFile {

    /** Refuse absurd headers before allocating them (the format's own limit is 100 MB). */
    private static final long MAX_HEADER = 100L << 20;
    private static final String METADATA = "__metadata__";

    private final Path path;
    private final MemorySegment data;
    private final Map<String, Entry> entries;

    private SafetensorsFile(Path path, MemorySegment data, Map<String, Entry> entries) {
        this.path = path;
        this.data = data;
        this.entries = entries;
    }

    /**
     * Maps {@code path} (a regular file: a FIFO or device is refused before it is opened) and
     * checks its header.
     *
     * @throws CheckpointException naming the file, and the tensor and field where one is at fault
     */
    public static SafetensorsFile open(Path path, Arena arena) {
        try {
            return parse(path, TensorFile.map(path, arena));
        } catch (IOException e) {
            throw TensorFile.refusal(path, e);
        }
    }

    private static SafetensorsFile parse(Path path, MemorySegment file) throws IOException {
        if (file.byteSize() < 8) {
            throw new IOException(path + ": truncated (" + file.byteSize() + " bytes, no header)");
        }
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > file.byteSize()) {
            throw new IOException(path + ": header length " + headerLength
                    + " is out of range for a file of " + file.byteSize() + " bytes");
        }
        String source = path + ": header";
        String headerText = InputFiles.decodeUtf8(file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE), source);
        JsonSource header = new JsonSource(path.toString());
        JsonObject tensors = header.object(StrictJson.parse(headerText, source), "");
        MemorySegment data = file.asSlice(8 + headerLength);
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                requireStrings(header, e.getValue());
            } else {
                JsonSource tensor = header.in("tensor " + JsonSource.quote(e.getKey()));
                entries.put(e.getKey(), Entry.parse(tensor, e.getValue(), data.byteSize()));
            }
        }
        requireTiled(header, entries, data.byteSize());
        return new SafetensorsFile(path, data, Collections.unmodifiableMap(entries));
    }

    /** {@code __metadata__} is a map of strings to strings, nothing else. */
    private static void requireStrings(JsonSource header, JsonElement metadata) throws IOException {
        for (Map.Entry<String, JsonElement> e : header.object(metadata, METADATA).entrySet()) {
            header.string(e.getValue(), METADATA + "." + e.getKey());
        }
    }

    /** The data offsets, sorted by start, cover [0, dataBytes) with neither overlap nor gap. */
    private static void requireTiled(JsonSource header, Map<String, Entry> entries, long dataBytes)
            throws IOException {
        List<Map.Entry<String, Entry>> byStart = new ArrayList<>(entries.entrySet());
        byStart.sort(Comparator.comparingLong((Map.Entry<String, Entry> e) -> e.getValue().begin())
                .thenComparingLong(e -> e.getValue().end()));
        long expected = 0;
        String previous = null;
        for (Map.Entry<String, Entry> e : byStart) {
            Entry entry = e.getValue();
            if (entry.begin() != expected) {
                JsonSource tensor = header.in("tensor " + JsonSource.quote(e.getKey()));
                throw tensor.error("data_offsets", "[" + entry.begin() + ", " + entry.end() + "] "
                        + (entry.begin() < expected
                                ? "overlap tensor " + JsonSource.quote(previous) + ", which ends at " + expected
                                : "leave bytes " + expected + " to " + entry.begin() + " of the data unused")
                        + " (tensors must tile the data section)");
            }
            expected = entry.end();
            previous = e.getKey();
        }
        if (expected != dataBytes) {
            throw header.error("", "the tensors end at byte " + expected + " of a data section of " + dataBytes
                    + " bytes (tensors must tile the data section)");
        }
    }

    /** A header entry: dtype as written, shape, and byte range within the data section. */
    public record Entry(String dtype, long[] shape, long begin, long end) {

        static Entry parse(JsonSource tensor, JsonElement value, long dataBytes) throws IOException {
            JsonObject info = tensor.object(value, "");
            String dtype = tensor.string(info.get("dtype"), "dtype");
            JsonArray shapeJson = tensor.array(info.get("shape"), "shape");
            long[] shape = new long[shapeJson.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = tensor.wholeNumber(shapeJson.get(i), "shape[" + i + "]", 0, Long.MAX_VALUE);
                elements = multiply(tensor, elements, shape[i]);
            }
            JsonArray offsets = tensor.array(info.get("data_offsets"), "data_offsets", 2);
            long begin = tensor.wholeNumber(offsets.get(0), "data_offsets[0]", 0, Long.MAX_VALUE);
            long end = tensor.wholeNumber(offsets.get(1), "data_offsets[1]", 0, Long.MAX_VALUE);
            if (end < begin || end > dataBytes) {
                throw tensor.error("data_offsets", "[" + begin + ", " + end + "] out of range: the data section has "
                        + dataBytes + " bytes (truncated file?)");
            }
            int width = elementBytes(dtype);
            if (width > 0 && multiply(tensor, elements, width) != end - begin) {
                throw tensor.error("shape", JsonSource.shown(shapeJson) + " of " + dtype + " needs " + elements * width
                        + " bytes but data_offsets span " + (end - begin));
            }
            return new Entry(dtype, shape, begin, end);
        }

        private static long multiply(JsonSource tensor, long a, long b) throws IOException {
            try {
                return Math.multiplyExact(a, b);
            } catch (ArithmeticException e) {
                throw tensor.error("shape", "more elements than a file can hold");
            }
        }

        /**
         * Bytes per element of the safetensors dtypes, 0 for others (a future dtype: its size is
         * not checked here, and loading it as a weight fails by name).
         */
        private static int elementBytes(String dtype) {
            return switch (dtype) {
                case "F64", "I64", "U64", "C64" -> 8;
                case "F32", "I32", "U32" -> 4;
                case "F16", "BF16", "I16", "U16" -> 2;
                case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2", "F8_E8M0" -> 1;
                default -> 0;
            };
        }
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public long[] shape(String name) {
        return entries.get(name).shape();
    }

    /** The header entry of {@code name}, or null when absent. */
    public Entry entry(String name) {
        return entries.get(name);
    }

    /** The tensor {@code name} as a view of the mapping, never a copy; see {@link TensorFile#matrix}. */
    @Override
    public HostTensor tensor(String name) {
        Entry e = entries.get(name);
        String where = path + ": tensor " + JsonSource.quote(name) + ": ";
        DType dtype;
        try {
            dtype = DType.fromSafetensors(e.dtype());
        } catch (IllegalArgumentException ex) {
            throw new CheckpointException(where + ex.getMessage());
        }
        int[] matrix = TensorFile.matrix(where, e.shape());
        return new HostTensor(name, dtype, matrix[0], matrix[1], data.asSlice(e.begin(), e.end() - e.begin()));
    }

    @Override
    public Path path() {
        return path;
    }
}
