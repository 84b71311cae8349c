package dev.gptneo.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.gptneo.model.CheckpointException;
import dev.gptneo.tokenizer.SpecialFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the safetensors format requires, enforced as its reference implementation does: each way
 * a header can break it is refused with the file, the tensor and the field.
 */
class SafetensorsFormatTest {

    /** a: F32 [2, 2] at 0..16, b: F16 [4] at 16..24, c: U8 [3] at 24..27. */
    private static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}";
    private static final String B = "\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[16,24]}";
    private static final String C = "\"c\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[24,27]}";
    private static final int DATA = 27;

    @TempDir
    Path dir;

    private final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        arena.close();
    }

    private Path file() {
        return dir.resolve("model.safetensors");
    }

    private void write(String header, int dataBytes) throws IOException {
        write(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    private void write(byte[] header, int dataBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.write(header);
        out.write(new byte[dataBytes]);
        Files.write(file(), out.toByteArray());
    }

    /** The message, after the file's name, of opening a file with this header and data. */
    private String refusal(String header, int dataBytes) throws IOException {
        write(header, dataBytes);
        return refusal();
    }

    private String refusal() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(file(), arena));
        assertFalse(e.getMessage().contains("\n"), () -> "one line: " + e.getMessage());
        String prefix = file() + ": ";
        assertEquals(prefix, e.getMessage().substring(0, Math.min(prefix.length(), e.getMessage().length())), e.getMessage());
        return e.getMessage().substring(prefix.length());
    }

    @Test
    void aWellFormedFileOpens() throws IOException {
        write("{\"__metadata__\":{\"format\":\"pt\"}," + A + "," + B + "," + C + "}", DATA);
        SafetensorsFile file = SafetensorsFile.open(file(), arena);
        assertEquals(List.of("a", "b", "c"), List.copyOf(file.names()));
        assertEquals(2, file.tensor("a").rows());
    }

    @Test
    void theHeaderMayBePaddedWithSpacesAndTensorsListedInAnyOrder() throws IOException {
        write("{" + C + "," + A + "," + B + "}      ", DATA);
        assertEquals(3, SafetensorsFile.open(file(), arena).names().size());
    }

    @Test
    void overlappingTensorsAreRefused() throws IOException {
        String b = "\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[8,16]}";
        String c = "\"c\":{\"dtype\":\"U8\",\"shape\":[11],\"data_offsets\":[16,27]}";
        assertEquals("tensor \"b\": field \"data_offsets\": [8, 16] overlap tensor \"a\", which ends at 16"
                + " (tensors must tile the data section)", refusal("{" + A + "," + b + "," + c + "}", DATA));
    }

    @Test
    void aGapBetweenTensorsIsRefused() throws IOException {
        String c = "\"c\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[25,27]}";
        assertEquals("tensor \"c\": field \"data_offsets\": [25, 27] leave bytes 24 to 25 of the data unused"
                + " (tensors must tile the data section)", refusal("{" + A + "," + B + "," + c + "}", DATA));
    }

    /** A tensor moved by two bytes reads its neighbour's bytes: an overlap on one side, a gap on the other. */
    @Test
    void aShiftedTensorIsRefused() throws IOException {
        String b = "\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[18,26]}";
        assertEquals("tensor \"b\": field \"data_offsets\": [18, 26] leave bytes 16 to 18 of the data unused"
                + " (tensors must tile the data section)", refusal("{" + A + "," + b + "," + C + "}", DATA));
    }

    @Test
    void bytesAfterTheLastTensorAreRefused() throws IOException {
        assertEquals("the tensors end at byte 27 of a data section of 31 bytes (tensors must tile the data section)",
                refusal("{" + A + "," + B + "," + C + "}", DATA + 4));
    }

    @Test
    void aNameTwiceIsRefusedRatherThanTheLastWinning() throws IOException {
        String again = "\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[24,27]}";
        assertEquals("header: not valid JSON: the key \"a\" appears twice, at $.a",
                refusal("{" + A + "," + B + "," + again + "}", DATA));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{a:{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}|header: not valid JSON: syntax error at line 1 column 3 path $.",
        "{'a':{}}|header: not valid JSON: syntax error at line 1 column 3 path $.",
        "{\"a\":{}} []|header: not valid JSON: syntax error at line 1 column 11 path $",
        "[]|expected an object, got []",
    })
    void aHeaderThatIsNotStrictJsonIsRefused(String header, String expected) throws IOException {
        assertEquals(expected, refusal(header, 0));
    }

    @Test
    void aHeaderThatIsNotUtf8IsRefused() throws IOException {
        byte[] header = "{\"\u00e9\":{}}".getBytes(StandardCharsets.UTF_8);
        header[3] = (byte) 0xC0;
        write(header, 0);
        assertEquals("header: not valid UTF-8 (byte 2)", refusal());
    }

    /** Every field of a tensor's entry, of the wrong kind: the old messages were Gson's cast errors. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "[1]|tensor \"a\": expected an object, got [1]",
        "{\"dtype\":[\"F32\"],\"shape\":[2,2],\"data_offsets\":[0,16]}|tensor \"a\": field \"dtype\": expected a string, got [\"F32\"]",
        "{\"shape\":[2,2],\"data_offsets\":[0,16]}|tensor \"a\": field \"dtype\": missing (expected a string)",
        "{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]}|tensor \"a\": field \"shape\": expected an array, got 4",
        "{\"dtype\":\"F32\",\"shape\":[-2,-2],\"data_offsets\":[0,16]}|tensor \"a\": field \"shape[0]\": expected a whole number from 0 to 9223372036854775807, got -2",
        "{\"dtype\":\"F32\",\"shape\":[2.5,2],\"data_offsets\":[0,16]}|tensor \"a\": field \"shape[0]\": expected a whole number, got 2.5",
        "{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}|tensor \"a\": field \"shape\": more elements than a file can hold",
        "{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0]}|tensor \"a\": field \"data_offsets\": expected an array of 2, got [0]",
        "{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[\"0\",16]}|tensor \"a\": field \"data_offsets[0]\": expected a whole number, got \"0\"",
        "{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[-16,0]}|tensor \"a\": field \"data_offsets[0]\": expected a whole number from 0 to 9223372036854775807, got -16",
        "{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16,0]}|tensor \"a\": field \"data_offsets\": [16, 0] out of range: the data section has 16 bytes (truncated file?)",
        "{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}|tensor \"a\": field \"shape\": [2,3] of F32 needs 24 bytes but data_offsets span 16",
    })
    void aFieldOfTheWrongKindIsNamed(String entry, String expected) throws IOException {
        assertEquals(expected, refusal("{\"a\":" + entry + "}", 16));
    }

    /** Found by CheckpointFuzzTest#safetensorsFile: a tensor name is quoted and escaped in messages. */
    @Test
    void aTensorNameWithANewlineStaysOnOneLine() throws IOException {
        write("{\"c\\n\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        SafetensorsFile file = SafetensorsFile.open(file(), arena);
        CheckpointException e = assertThrows(CheckpointException.class, () -> file.tensor("c\n"));
        assertEquals(file() + ": tensor \"c\\n\": unsupported dtype I32 (expected F32, F16 or BF16)", e.getMessage());
        assertEquals("tensor \"_metadata__\\n\": field \"dtype\": missing (expected a string)",
                refusal("{\"_metadata__\\n\":{}}", 0));
    }

    @Test
    void metadataIsStringsOnly() throws IOException {
        assertEquals("field \"__metadata__.format\": expected a string, got 1",
                refusal("{\"__metadata__\":{\"format\":1}}", 0));
        assertEquals("field \"__metadata__\": expected an object, got \"pt\"", refusal("{\"__metadata__\":\"pt\"}", 0));
    }

    @Test
    void aShapeBeyondAMatrixIsRefusedWhenUsed() throws IOException {
        write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,2,2],\"data_offsets\":[0,16]}}", 16);
        SafetensorsFile file = SafetensorsFile.open(file(), arena);
        CheckpointException e = assertThrows(CheckpointException.class, () -> file.tensor("a"));
        assertEquals(file() + ": tensor \"a\": shape [1, 2, 2] is not a scalar, vector or matrix of at most"
                + " 2147483647 rows and columns", e.getMessage());
    }

    /** Mapping a FIFO would block until a writer came: it is never opened. */
    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        SpecialFiles.mkfifo(file());
        assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertEquals("not a regular file (a folder, FIFO or device cannot be loaded)", refusal()));
    }

    /** Mapping a device failed with the bare "No such device": it is refused by what it is. */
    @Test
    void aDeviceIsRefusedByWhatItIs() throws IOException {
        Path device = Path.of("/dev/zero");
        Assumptions.assumeTrue(Files.exists(device), "no /dev/zero here");
        Files.createSymbolicLink(file(), device);
        assertEquals("not a regular file (a folder, FIFO or device cannot be loaded)", refusal());
    }
}
