package dev.gptneo.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.model.CheckpointException;
import dev.gptneo.tokenizer.SpecialFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A sharded checkpoint's index names files by path: only regular files inside the model folder
 * are opened, and every entry of the wrong kind is named.
 */
class ShardIndexTest {

    @TempDir
    Path dir;

    @TempDir
    Path elsewhere;

    @BeforeEach
    void oneShard() throws IOException {
        new SafetensorsWriter().put("w", new SafetensorsWriter.Blob("F32", new long[] {2}, new byte[8]))
                .write(dir.resolve("shard.safetensors"));
    }

    private void index(String weightMap) throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"metadata\": {\"total_size\": 8}, \"weight_map\": " + weightMap + "}");
    }

    /** The message, after the index file's name. */
    private String refusal() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        String prefix = dir.resolve(Checkpoint.INDEX) + ": ";
        assertTrue(e.getMessage().startsWith(prefix), e::getMessage);
        return e.getMessage().substring(prefix.length());
    }

    @Test
    void aShardInsideTheFolderOpens() throws IOException {
        index("{\"w\": \"shard.safetensors\"}");
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(2, checkpoint.require("w", 2).cols());
        }
    }

    /** Hugging Face's cache links a snapshot's files to blobs outside it: followed, as the name stays inside. */
    @Test
    void aShardLinkedFromElsewhereOpens() throws IOException {
        Files.move(dir.resolve("shard.safetensors"), elsewhere.resolve("blob"));
        Files.createSymbolicLink(dir.resolve("shard.safetensors"), elsewhere.resolve("blob"));
        index("{\"w\": \"shard.safetensors\"}");
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertTrue(checkpoint.contains("w"));
        }
    }

    @ParameterizedTest
    @CsvSource({"../../../../etc/passwd", "/etc/passwd", "sub/../../x.safetensors", ".", "''"})
    void aShardOutsideTheFolderIsNeverOpened(String name) throws IOException {
        index("{\"w\": \"" + name + "\"}");
        assertEquals("field \"weight_map.w\": expected the name of a file inside the model folder "
                + dir.toAbsolutePath().normalize() + ", got \"" + name + "\"", refusal());
    }

    /** Found by CheckpointFuzzTest#shardIndex: names Path cannot hold, or that would split a message. */
    @Test
    void aShardNameWithANulOrANewlineIsRefusedByName() throws IOException {
        index("{\"w\": \"shard.safetensors\\u0000\"}");
        assertEquals("field \"weight_map.w\": expected the name of a file inside the model folder "
                + dir.toAbsolutePath().normalize() + ", got \"shard.safetensors\\u0000\"", refusal());
        index("{\"w\": \"shard.safetensors\\n\"}");
        assertEquals("field \"weight_map.w\": expected the name of a file inside the model folder "
                + dir.toAbsolutePath().normalize() + ", got \"shard.safetensors\\n\"", refusal());
    }

    /** Found by CheckpointFuzzTest#shardIndex: once Java's "Input length = 1". */
    @Test
    void anIndexThatIsNotUtf8IsRefusedWithItsOffset() throws IOException {
        Files.write(dir.resolve(Checkpoint.INDEX), new byte[] {'{', '"', (byte) 0xE7, (byte) 0xDD, '"', ':', '1', '}'});
        assertEquals("not valid UTF-8 (byte 2)", refusal());
    }

    @Test
    void aFifoShardIsRefusedWithoutBlocking() throws Exception {
        SpecialFiles.mkfifo(dir.resolve("pipe.safetensors"));
        index("{\"w\": \"pipe.safetensors\"}");
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
            assertEquals(dir.toAbsolutePath().resolve("pipe.safetensors")
                    + ": not a regular file (a folder, FIFO or device cannot be loaded)", e.getMessage());
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{\"w\": [\"shard.safetensors\"]}|field \"weight_map.w\": expected a string, got [\"shard.safetensors\"]",
        "{\"w\": 3}|field \"weight_map.w\": expected a string, got 3",
        "[\"shard.safetensors\"]|field \"weight_map\": expected an object, got [\"shard.safetensors\"]",
        "{\"w\": \"shard.safetensors\", \"w\": \"shard.safetensors\"}|not valid JSON: the key \"w\" appears twice, at $.weight_map.w",
        "{\"x\": \"shard.safetensors\"}|field \"weight_map.x\": tensor \"x\" is mapped to \"shard.safetensors\", which does not contain it",
    })
    void aWeightMapOfTheWrongKindIsNamed(String weightMap, String expected) throws IOException {
        index(weightMap);
        assertEquals(expected, refusal());
    }

    @Test
    void anIndexWithoutAWeightMapIsNamed() throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"metadata\": {}}");
        assertEquals("field \"weight_map\": missing (expected an object)", refusal());
    }
}
