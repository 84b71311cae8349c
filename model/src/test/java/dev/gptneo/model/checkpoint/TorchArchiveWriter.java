package dev.gptneo.model.checkpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes torch.save-style archives with the JDK's own zip writer (entries stored, under one
 * folder), for tests that need a pickle or a record torch would not write.
 */
final class TorchArchiveWriter {

    private final String folder;
    private final Map<String, byte[]> records = new LinkedHashMap<>();

    TorchArchiveWriter(String folder) {
        this.folder = folder;
    }

    TorchArchiveWriter put(String record, byte[] bytes) {
        records.put(record, bytes);
        return this;
    }

    /** {@code data.pkl} = {@code pickle}, and {@code data/0} = {@code storage}. */
    static TorchArchiveWriter of(byte[] pickle, byte[] storage) {
        return new TorchArchiveWriter("archive").put("data.pkl", pickle).put("data/0", storage);
    }

    Path write(Path file) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : records.entrySet()) {
                ZipEntry entry = new ZipEntry(folder + "/" + e.getKey());
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }
}
