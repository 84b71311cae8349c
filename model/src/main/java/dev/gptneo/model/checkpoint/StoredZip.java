package dev.gptneo.model.checkpoint;

import dev.gptneo.model.CheckpointException;
import dev.gptneo.tokenizer.io.InputFiles;
import dev.gptneo.tokenizer.io.JsonSource;
import java.io.IOException;
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
import java.util.zip.CRC32;

/**
 * A zip archive of uncompressed entries, as {@code torch.save} writes one, read in place: each
 * entry's bytes are a slice of the file's mapping, never copied, so a multi-gigabyte checkpoint
 * costs no heap. Follows PKWARE's APPNOTE: the end-of-central-directory record (and, for archives
 * past 4 GiB or 65,535 entries, the Zip64 end record its locator points to), the central
 * directory with its Zip64 extra fields, and each entry's local header, which says where its data
 * begins.
 *
 * <p>Refused, with the file and entry named: compressed or encrypted entries (torch never writes
 * them, and inflating would copy), an archive over several disks, entries or directories that lie
 * outside the file, local headers that disagree with the central directory, two entries of one
 * name, and entries that overlap (the same bytes read as two records).
 */
final class StoredZip {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int END_SIGNATURE = 0x06054b50;
    private static final int END_BYTES = 22;
    private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
    private static final int ZIP64_LOCATOR_BYTES = 20;
    private static final int ZIP64_END_SIGNATURE = 0x06064b50;
    private static final int ZIP64_END_BYTES = 56;
    private static final int CENTRAL_SIGNATURE = 0x02014b50;
    private static final int CENTRAL_BYTES = 46;
    private static final int LOCAL_SIGNATURE = 0x04034b50;
    private static final int LOCAL_BYTES = 30;
    private static final int ZIP64_EXTRA = 0x0001;
    /** General-purpose flag bits 0 (encrypted) and 6 (strong encryption). */
    private static final int ENCRYPTED = 0x41;
    private static final long MAX_U32 = 0xFFFF_FFFFL;
    private static final int MAX_U16 = 0xFFFF;

    /** One entry: its bytes within the mapping, and the CRC-32 the central directory gives them. */
    record Entry(String name, MemorySegment data, int crc32) {

        /**
         * Its bytes, checked against its CRC-32: for the small records that are read whole (the
         * pickle), where a flipped bit would otherwise be read as something else.
         *
         * @param path the archive, for the message
         */
        MemorySegment checked(Path path) {
            CRC32 crc = new CRC32();
            crc.update(data.asByteBuffer());
            if ((int) crc.getValue() != crc32) {
                throw new CheckpointException(path + ": entry " + JsonSource.quote(name)
                        + " fails its CRC-32 check (a corrupt file)");
            }
            return data;
        }
    }

    /** The bytes an entry takes in the file, local header to data end. */
    private record Span(long start, long end, String name) {
    }

    private final Path path;
    private final MemorySegment file;

    private StoredZip(Path path, MemorySegment file) {
        this.path = path;
        this.file = file;
    }

    /**
     * The entries of the archive {@code file} (the mapping of {@code path}) by name, in
     * central-directory order, checked throughout.
     */
    static Map<String, Entry> read(Path path, MemorySegment file) {
        return new StoredZip(path, file).readEntries();
    }

    private Map<String, Entry> readEntries() {
        long end = findEnd();
        if (u16(end + 4) != 0 || u16(end + 6) != 0 || u16(end + 8) != u16(end + 10)) {
            throw refused("a zip archive over several disks (a torch.save file is one)");
        }
        long count = u16(end + 10);
        long directorySize = u32(end + 12);
        long directoryStart = u32(end + 16);
        long directoryLimit = end;
        if (end >= ZIP64_LOCATOR_BYTES && file.get(U32, end - ZIP64_LOCATOR_BYTES) == ZIP64_LOCATOR_SIGNATURE) {
            long locator = end - ZIP64_LOCATOR_BYTES;
            long zip64End = file.get(U64, locator + 8);
            if (file.get(U32, locator + 4) != 0 || file.get(U32, locator + 16) > 1) {
                throw refused("a zip archive over several disks (a torch.save file is one)");
            }
            if (zip64End < 0 || zip64End > locator - ZIP64_END_BYTES || file.get(U32, zip64End) != ZIP64_END_SIGNATURE) {
                throw refused("the Zip64 end-of-central-directory locator points to byte " + Long.toUnsignedString(zip64End)
                        + ", where no Zip64 end record is (a corrupt file)");
            }
            count = file.get(U64, zip64End + 32);
            directorySize = file.get(U64, zip64End + 40);
            directoryStart = file.get(U64, zip64End + 48);
            directoryLimit = zip64End;
        }
        if (directoryStart < 0 || directorySize < 0 || directoryStart > directoryLimit - directorySize) {
            throw refused("the central directory (" + Long.toUnsignedString(directorySize) + " bytes at byte "
                    + Long.toUnsignedString(directoryStart) + ") lies outside the file of " + file.byteSize()
                    + " bytes (truncated?)");
        }
        if (count < 0 || count > directorySize / CENTRAL_BYTES) {
            throw refused(Long.toUnsignedString(count) + " entries cannot fit in a central directory of "
                    + directorySize + " bytes (a corrupt file)");
        }
        List<Span> spans = new ArrayList<>();
        Map<String, Entry> byName = new LinkedHashMap<>();
        long at = directoryStart;
        for (long i = 0; i < count; i++) {
            at = readCentral(at, directoryStart + directorySize, directoryStart, byName, spans);
        }
        requireDisjoint(spans);
        return Collections.unmodifiableMap(byName);
    }

    /** The offset of the end-of-central-directory record: the last signature whose comment ends the file. */
    private long findEnd() {
        long last = file.byteSize() - END_BYTES;
        for (long at = last; at >= 0 && at >= last - MAX_U16; at--) {
            if (file.get(U32, at) == END_SIGNATURE && at + END_BYTES + u16(at + 20) == file.byteSize()) {
                return at;
            }
        }
        throw refused("no zip end-of-central-directory record (truncated, or not a zip archive)");
    }

    /**
     * Reads the central-directory entry at {@code at} (and its local header), adds it to
     * {@code byName} and its span of the file to {@code spans}, and returns where the next begins.
     */
    private long readCentral(long at, long directoryEnd, long dataLimit, Map<String, Entry> byName, List<Span> spans) {
        if (at > directoryEnd - CENTRAL_BYTES || file.get(U32, at) != CENTRAL_SIGNATURE) {
            throw refused("central directory entry " + byName.size() + " at byte " + at
                    + " is not one (a corrupt file)");
        }
        int nameLength = u16(at + 28);
        int extraLength = u16(at + 30);
        long next = at + CENTRAL_BYTES + nameLength + extraLength + u16(at + 32);
        if (next > directoryEnd) {
            throw refused("central directory entry " + byName.size() + " runs past the directory's end (a corrupt file)");
        }
        MemorySegment nameBytes = file.asSlice(at + CENTRAL_BYTES, nameLength);
        String name = decodeName(nameBytes);
        String entry = "entry " + JsonSource.quote(name);
        if ((u16(at + 8) & ENCRYPTED) != 0) {
            throw refused(entry + " is encrypted (a torch.save file never is)");
        }
        if (u16(at + 10) != 0) {
            throw refused(entry + " is compressed (method " + u16(at + 10)
                    + "); torch.save stores entries uncompressed, so they can be mapped in place");
        }
        long[] sizes = {u32(at + 24), u32(at + 20), u32(at + 42)};
        readZip64Extra(entry, at + CENTRAL_BYTES + nameLength, extraLength, sizes);
        long size = sizes[0];
        long local = sizes[2];
        if (sizes[1] != size) {
            throw refused(entry + " is stored with " + Long.toUnsignedString(sizes[1]) + " bytes for "
                    + Long.toUnsignedString(size) + " (a corrupt file)");
        }
        if (local < 0 || local > dataLimit - LOCAL_BYTES || file.get(U32, local) != LOCAL_SIGNATURE) {
            throw refused(entry + ": no local header at byte " + Long.toUnsignedString(local) + " (a corrupt file)");
        }
        long dataStart = local + LOCAL_BYTES + u16(local + 26) + u16(local + 28);
        if (u16(local + 26) != nameLength || dataStart > dataLimit
                || file.asSlice(local + LOCAL_BYTES, nameLength).mismatch(nameBytes) >= 0 || u16(local + 8) != 0) {
            throw refused(entry + ": its local header at byte " + local
                    + " disagrees with the central directory (a corrupt file)");
        }
        if (size < 0 || size > dataLimit - dataStart) {
            throw refused(entry + ": its " + Long.toUnsignedString(size) + " bytes at byte " + dataStart
                    + " lie outside the file's data, which ends at byte " + dataLimit + " (truncated?)");
        }
        if (byName.put(name, new Entry(name, file.asSlice(dataStart, size), u32i(at + 16))) != null) {
            throw refused("two entries are named " + JsonSource.quote(name));
        }
        spans.add(new Span(local, dataStart + size, name));
        return next;
    }

    /**
     * Replaces, in {@code sizes} = {uncompressed, compressed, local header offset}, each value the
     * central directory writes as 0xFFFFFFFF by the next 8 bytes of its Zip64 extra field, in
     * that order (APPNOTE 4.5.3).
     */
    private void readZip64Extra(String entry, long extra, int length, long[] sizes) {
        long end = extra + length;
        for (long field = extra; field + 4 <= end; field += 4 + u16(field + 2)) {
            if (u16(field) != ZIP64_EXTRA) {
                continue;
            }
            long value = field + 4;
            long valuesEnd = Math.min(end, value + u16(field + 2));
            for (int i = 0; i < sizes.length; i++) {
                if (sizes[i] == MAX_U32) {
                    if (value + 8 > valuesEnd) {
                        throw refused(entry + ": its Zip64 extra field is too short for the sizes it stands for");
                    }
                    sizes[i] = file.get(U64, value);
                    value += 8;
                }
            }
            return;
        }
    }

    /** No two entries share a byte: sorted by start, each begins at or after the end of the one before. */
    private void requireDisjoint(List<Span> spans) {
        spans.sort(Comparator.comparingLong(Span::start));
        for (int i = 1; i < spans.size(); i++) {
            if (spans.get(i).start() < spans.get(i - 1).end()) {
                throw refused("entries " + JsonSource.quote(spans.get(i - 1).name()) + " and "
                        + JsonSource.quote(spans.get(i).name()) + " overlap (a corrupt or crafted file)");
            }
        }
    }

    private String decodeName(MemorySegment bytes) {
        try {
            return InputFiles.decodeUtf8(bytes.toArray(ValueLayout.JAVA_BYTE), path + ": an entry's name");
        } catch (IOException e) {
            throw new CheckpointException(e.getMessage());
        }
    }

    private int u16(long at) {
        return Short.toUnsignedInt(file.get(U16, at));
    }

    private long u32(long at) {
        return Integer.toUnsignedLong(file.get(U32, at));
    }

    private int u32i(long at) {
        return file.get(U32, at);
    }

    private CheckpointException refused(String problem) {
        return new CheckpointException(path + ": " + problem);
    }
}
