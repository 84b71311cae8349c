package dev.gptneo.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptneo.kernels.scalar.ScalarBackend;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.Fixtures;
import dev.gptneo.model.GptNeoModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pickles that would run code are refused by the global they name, before anything runs: the
 * files of testdata/torch/ (made by real torch.save from objects whose {@code __reduce__} calls
 * os.system or eval) and pickles written here opcode by opcode.
 */
class HostileTorchFileTest {

    /** What the payloads of testdata/torch/ would create. */
    private static final Path MARKER = Path.of("/tmp/gptneo-pickle-payload-ran");

    @TempDir
    Path dir;

    private static Path refused(String name) {
        return Fixtures.testdata().resolve("torch").resolve(name);
    }

    private static String loadFails(Path folder) {
        return assertThrows(CheckpointException.class,
                () -> GptNeoModel.load(folder, new ScalarBackend(), null)).getMessage();
    }

    @ParameterizedTest
    @CsvSource({"os-system, posix.system", "builtins-eval, __builtin__.eval"})
    void aPickleCallingAFunctionIsRefusedAndItsPayloadNeverRuns(String folder, String global) throws IOException {
        Files.deleteIfExists(MARKER);
        Path bin = refused(folder).resolve(Checkpoint.TORCH_SINGLE);
        assertEquals(bin + ": pytorch_model/data.pkl uses the global " + global + ", which a weights file never"
                + " needs; refusing to load it (no code from a model file is ever run)", loadFails(refused(folder)));
        assertFalse(Files.exists(MARKER), "the payload ran");
    }

    @Test
    void theLegacyFormatIsRefusedByName() {
        assertEquals(refused("legacy").resolve(Checkpoint.TORCH_SINGLE) + ": legacy torch.save format (PyTorch < 1.6)"
                + " is not supported: re-save it with a current PyTorch or convert it to safetensors",
                loadFails(refused("legacy")));
    }

    @Test
    void aCompressedEntryIsRefused() {
        assertEquals(refused("compressed").resolve(Checkpoint.TORCH_SINGLE) + ": entry \"archive/data.pkl\" is"
                + " compressed (method 8); torch.save stores entries uncompressed, so they can be mapped in place",
                loadFails(refused("compressed")));
    }

    private String openFails(byte[] pickle) throws IOException {
        Path file = TorchArchiveWriter.of(pickle, new byte[12]).write(dir.resolve("pytorch_model.bin"));
        return assertThrows(CheckpointException.class,
                () -> TorchCheckpointFile.open(file, java.lang.foreign.Arena.ofAuto())).getMessage()
                .substring(file.toString().length());
    }

    /** Protocol 4's STACK_GLOBAL takes its names from the stack: checked the same. */
    @Test
    void aStackGlobalIsCheckedToo() throws IOException {
        byte[] pickle = PickleWriter.protocol2().string("os").string("system").op(0x93)
                .string("touch " + MARKER).op(0x85).op('R').op('.').bytes();
        assertEquals(": archive/data.pkl uses the global os.system, which a weights file never needs;"
                + " refusing to load it (no code from a model file is ever run)", openFails(pickle));
    }

    @ParameterizedTest
    @CsvSource({"torch.nn, Module", "builtins, exec", "torch, load", "torch._utils, _rebuild_qtensor", "collections, deque"})
    void everyOtherGlobalIsRefused(String module, String name) throws IOException {
        assertEquals(": archive/data.pkl uses the global " + module + "." + name + ", which a weights file never needs;"
                + " refusing to load it (no code from a model file is ever run)",
                openFails(PickleWriter.protocol2().global(module, name).op('.').bytes()));
    }

    /** NEWOBJ would instantiate a class; INST and OBJ call one: refused by name, whatever is on the stack. */
    @ParameterizedTest
    @CsvSource({"129, NEWOBJ", "146, NEWOBJ_EX", "105, INST", "111, OBJ", "80, PERSID", "130, EXT1"})
    void opcodesTorchNeverWritesAreRefusedByName(int code, String name) throws IOException {
        assertEquals(": archive/data.pkl: opcode " + name + " at byte 2 is not one torch.save writes for a state dict;"
                + " refusing it", openFails(PickleWriter.protocol2().op(code).bytes()));
    }

    /** The storage types are allowed as names, never as calls. */
    @Test
    void aStorageTypeCannotBeCalled() throws IOException {
        assertEquals(": archive/data.pkl: REDUCE calls the global torch.FloatStorage, which torch.save never calls",
                openFails(PickleWriter.protocol2().global("torch", "FloatStorage").op(')').op('R').op('.').bytes()));
    }
}
