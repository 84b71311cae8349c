package dev.gptneo.model.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Writes a stored zip archive in its Zip64 form, as zip writers do past 4 GiB (PKWARE APPNOTE
 * 4.3.14–4.3.16 and 4.5.3): every size and offset in the headers is 0xFFFFFFFF, the real values
 * in each entry's Zip64 extra field, and the end record defers to a Zip64 end record through
 * its locator. A test cannot hold a 4 GiB file; this is the same layout at any size.
 */
final class Zip64ArchiveWriter {

    private static final int MAX32 = 0xFFFF_FFFF;

    private Zip64ArchiveWriter() {
    }

    static Path write(Path file, Map<String, byte[]> records) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer central = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, byte[]> e : records.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            CRC32 crc = new CRC32();
            crc.update(e.getValue());
            long local = out.position();
            out.putInt(0x04034b50).putShort((short) 45).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt((int) crc.getValue()).putInt(MAX32).putInt(MAX32)
                    .putShort((short) name.length).putShort((short) 20).put(name)
                    .putShort((short) 1).putShort((short) 16).putLong(e.getValue().length).putLong(e.getValue().length)
                    .put(e.getValue());
            central.putInt(0x02014b50).putShort((short) 45).putShort((short) 45).putShort((short) 0).putShort((short) 0)
                    .putInt(0).putInt((int) crc.getValue()).putInt(MAX32).putInt(MAX32)
                    .putShort((short) name.length).putShort((short) 28).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt(MAX32).put(name)
                    .putShort((short) 1).putShort((short) 24).putLong(e.getValue().length).putLong(e.getValue().length)
                    .putLong(local);
        }
        long directoryStart = out.position();
        out.put(central.flip());
        long zip64End = out.position();
        long directorySize = zip64End - directoryStart;
        out.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                .putLong(records.size()).putLong(records.size()).putLong(directorySize).putLong(directoryStart);
        out.putInt(0x07064b50).putInt(0).putLong(zip64End).putInt(1);
        out.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) 0xFFFF).putShort((short) 0xFFFF)
                .putInt(MAX32).putInt(MAX32).putShort((short) 0);
        byte[] bytes = new byte[out.flip().remaining()];
        out.get(bytes);
        return Files.write(file, bytes);
    }
}
