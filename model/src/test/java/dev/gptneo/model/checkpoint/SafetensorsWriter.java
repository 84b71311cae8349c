package dev.gptneo.model.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes safetensors files for tests that need broken or re-arranged checkpoints. */
final class SafetensorsWriter {

    /** A tensor to write: dtype name as in the header, shape, raw little-endian bytes. */
    record Blob(String dtype, long[] shape, byte[] bytes) {
    }

    private final Map<String, Blob> tensors = new LinkedHashMap<>();

    /** Every tensor of {@code file}, in header order, for a test to change and write elsewhere. */
    static SafetensorsWriter copyOf(Path file) throws IOException {
        SafetensorsWriter copy = new SafetensorsWriter();
        byte[] all = Files.readAllBytes(file);
        int dataStart = 8 + (int) ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile source = SafetensorsFile.open(file, arena);
            for (String name : source.names()) {
                SafetensorsFile.Entry e = source.entry(name);
                byte[] bytes = Arrays.copyOfRange(all, dataStart + (int) e.begin(), dataStart + (int) e.end());
                copy.put(name, new Blob(e.dtype(), e.shape(), bytes));
            }
        }
        return copy;
    }

    SafetensorsWriter put(String name, Blob blob) {
        tensors.put(name, blob);
        return this;
    }

    Blob get(String name) {
        return tensors.get(name);
    }

    SafetensorsWriter remove(String name) {
        tensors.remove(name);
        return this;
    }

    /** The header JSON these tensors get, for tests that corrupt it. */
    JsonObject header() {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Map.Entry<String, Blob> e : tensors.entrySet()) {
            JsonObject info = new JsonObject();
            info.addProperty("dtype", e.getValue().dtype());
            JsonArray shape = new JsonArray();
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            info.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += e.getValue().bytes().length;
            offsets.add(offset);
            info.add("data_offsets", offsets);
            header.add(e.getKey(), info);
        }
        return header;
    }

    void write(Path file) throws IOException {
        write(file, header());
    }

    void write(Path file, JsonObject header) throws IOException {
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
        out.write(json);
        for (Blob b : tensors.values()) {
            out.write(b.bytes());
        }
        Files.write(file, out.toByteArray());
    }
}
