package dev.gptneo.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.HostTensor;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.Fixtures;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A torch.save archive that is truncated, corrupt or crafted is refused with one line naming the
 * file and what is wrong; views are read as their strides say, or refused when they reach past
 * their storage.
 */
class CorruptTorchFileTest {

    private static final Path FIXTURE = Fixtures.checkpoint("tiny-gpt-neo-f16-torch").resolve(Checkpoint.TORCH_SINGLE);
    /** Four float32 values, 1 to 4. */
    private static final byte[] ONE_TO_FOUR = floats(1, 2, 3, 4);

    @TempDir
    Path dir;

    /** The mappings, unmapped once unreachable. */
    private final Arena arena = Arena.ofAuto();

    private Path file() {
        return dir.resolve("pytorch_model.bin");
    }

    /** The message, after the file's name and ": ". */
    private String refusal(Path file) {
        String message = assertThrows(CheckpointException.class, () -> TorchCheckpointFile.open(file, arena)).getMessage();
        assertEquals(file + ": ", message.substring(0, file.toString().length() + 2), message);
        return message.substring(file.toString().length() + 2);
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** A state dict {"w": FloatStorage "0" of {@code numel} viewed at offset, size, stride}. */
    private static byte[] view(int numel, int offset, int[] size, int[] stride) {
        return PickleWriter.stateDict("w", p -> p.tensor("FloatStorage", "0", numel, offset, size, stride));
    }

    @Test
    void aTruncatedFileIsRefused() throws IOException {
        Files.write(file(), Arrays.copyOf(Files.readAllBytes(FIXTURE), 4_000_000));
        assertEquals("no zip end-of-central-directory record (truncated, or not a zip archive)", refusal(file()));
    }

    @Test
    void anEntryPastTheEndOfTheFileIsRefused() throws IOException {
        byte[] bytes = Files.readAllBytes(FIXTURE);
        int central = centralEntry(bytes, "pytorch_model/data/0");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(central + 20, 0x7FFF_FFFF).putInt(central + 24, 0x7FFF_FFFF);
        Files.write(file(), bytes);
        String message = refusal(file());
        assertTrue(message.startsWith("entry \"pytorch_model/data/0\": its 2147483647 bytes at byte ")
                && message.contains(" lie outside the file's data, which ends at byte "), message);
    }

    @Test
    void aFileThatIsNeitherFormatIsRefused() throws IOException {
        Files.writeString(file(), "{\"weights\": []}");
        assertEquals("not a torch.save file (it begins with neither a zip header nor the pickled magic number"
                + " of the legacy format)", refusal(file()));
    }

    @Test
    void aStorageSmallerThanItsRecordSaysIsRefused() throws IOException {
        TorchArchiveWriter.of(view(8, 0, new int[] {4}, new int[] {1}), ONE_TO_FOUR).write(file());
        assertEquals("record \"archive/data/0\" holds 16 bytes, but its storage is 8 float32 elements (4 bytes each)",
                refusal(file()));
    }

    @Test
    void aViewPastTheEndOfItsStorageIsRefused() throws IOException {
        TorchArchiveWriter.of(view(4, 1, new int[] {2, 2}, new int[] {2, 1}), ONE_TO_FOUR).write(file());
        assertEquals("archive/data.pkl: a tensor of size [2, 2], stride [2, 1] at offset 1 reaches past the end of"
                + " storage \"0\" of 4 elements", refusal(file()));
    }

    @Test
    void aStorageWithoutItsRecordIsRefused() throws IOException {
        byte[] pickle = PickleWriter.stateDict("w", p -> p.tensor("FloatStorage", "7", 4, 0, new int[] {4}, new int[] {1}));
        TorchArchiveWriter.of(pickle, ONE_TO_FOUR).write(file());
        assertEquals("storage \"7\" has no record \"archive/data/7\" (truncated or corrupt file?)", refusal(file()));
    }

    @Test
    void bigEndianStoragesAreRefused() throws IOException {
        TorchArchiveWriter.of(view(4, 0, new int[] {4}, new int[] {1}), ONE_TO_FOUR)
                .put("byteorder", "big".getBytes(StandardCharsets.US_ASCII)).write(file());
        assertEquals("record archive/byteorder says the storages are big-endian; only little-endian checkpoints load"
                + " (re-save it on a little-endian machine or convert it to safetensors)", refusal(file()));
    }

    @Test
    void aCorruptPickleFailsItsChecksum() throws IOException {
        TorchArchiveWriter.of(view(4, 0, new int[] {4}, new int[] {1}), ONE_TO_FOUR).write(file());
        byte[] bytes = Files.readAllBytes(file());
        int at = indexOf(bytes, "OrderedDict".getBytes(StandardCharsets.US_ASCII), 0);
        bytes[at] = 'X';
        Files.write(file(), bytes);
        assertEquals("entry \"archive/data.pkl\" fails its CRC-32 check (a corrupt file)", refusal(file()));
    }

    @Test
    void twoEntriesOfOneNameAreRefused() throws IOException {
        new TorchArchiveWriter("archive").put("data.pkl", view(4, 0, new int[] {4}, new int[] {1}))
                .put("data/0", ONE_TO_FOUR).put("data/1", ONE_TO_FOUR).write(file());
        byte[] bytes = Files.readAllBytes(file());
        byte[] second = "archive/data/1".getBytes(StandardCharsets.US_ASCII);
        for (int at = indexOf(bytes, second, 0); at >= 0; at = indexOf(bytes, second, at + 1)) {
            bytes[at + second.length - 1] = '0';
        }
        Files.write(file(), bytes);
        assertEquals("two entries are named \"archive/data/0\"", refusal(file()));
    }

    /** A local header forged inside another entry's data, and pointed to: the same bytes read as two records. */
    @Test
    void overlappingEntriesAreRefused() throws IOException {
        byte[] name = "archive/data/1".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer forged = ByteBuffer.allocate(30 + name.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        forged.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0).putInt(0).putInt(0)
                .putInt(16).putInt(16).putShort((short) name.length).putShort((short) 0).put(name).put(ONE_TO_FOUR);
        new TorchArchiveWriter("archive").put("data.pkl", view(4, 0, new int[] {4}, new int[] {1}))
                .put("data/0", forged.array()).put("data/1", ONE_TO_FOUR).write(file());
        byte[] bytes = Files.readAllBytes(file());
        int inner = indexOf(bytes, forged.array(), 0);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(centralEntry(bytes, "archive/data/1") + 42, inner);
        Files.write(file(), bytes);
        assertEquals("entries \"archive/data/0\" and \"archive/data/1\" overlap (a corrupt or crafted file)", refusal(file()));
    }

    /** A transposed view (strides (1, 2)) of [1, 2, 3, 4] is the matrix [[1, 3], [2, 4]], copied. */
    @Test
    void aStridedViewIsCopiedInRowMajorOrder() throws IOException {
        TorchArchiveWriter.of(view(4, 0, new int[] {2, 2}, new int[] {1, 2}), ONE_TO_FOUR).write(file());
        HostTensor w = TorchCheckpointFile.open(file(), arena).tensor("w");
        assertArrayEquals(new float[] {1, 3, 2, 4}, new float[] {w.get(0), w.get(1), w.get(2), w.get(3)});
    }

    /** Stride 0 repeats elements: a view of 4 elements repeated 1000 times would be a copy far larger than its storage. */
    @Test
    void aViewReadingItsStorageTwiceIsRefusedWhenAskedFor() throws IOException {
        TorchArchiveWriter.of(view(4, 0, new int[] {1000, 4}, new int[] {0, 1}), ONE_TO_FOUR).write(file());
        TorchCheckpointFile bin = TorchCheckpointFile.open(file(), arena);
        CheckpointException e = assertThrows(CheckpointException.class, () -> bin.tensor("w"));
        assertEquals(file() + ": tensor \"w\": a strided view of 4000 elements reads its storage of 4 more than once"
                + " (strides [0, 1]); such a view is not supported", e.getMessage());
    }

    /** The Zip64 layout of archives past 4 GiB: sizes and offsets from the extra fields and the Zip64 end record. */
    @Test
    void aZip64ArchiveLoads() throws IOException {
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("model/data.pkl", view(4, 2, new int[] {2}, new int[] {1}));
        records.put("model/data/0", ONE_TO_FOUR);
        HostTensor w = TorchCheckpointFile.open(Zip64ArchiveWriter.write(file(), records), arena).tensor("w");
        assertArrayEquals(new float[] {3, 4}, new float[] {w.get(0), w.get(1)});
    }

    /** The offset of the central-directory header of entry {@code name}. */
    private static int centralEntry(byte[] zip, String name) {
        byte[] signature = {'P', 'K', 1, 2};
        byte[] wanted = name.getBytes(StandardCharsets.US_ASCII);
        for (int at = indexOf(zip, signature, 0); at >= 0; at = indexOf(zip, signature, at + 1)) {
            int length = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getShort(at + 28);
            if (Arrays.equals(zip, at + 46, at + 46 + length, wanted, 0, wanted.length)) {
                return at;
            }
        }
        throw new AssertionError("no central directory entry " + name);
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        for (int i = from; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
