package dev.gptneo.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptneo.kernels.HostTensor;
import dev.gptneo.model.CheckpointException;
import dev.gptneo.model.Fixtures;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The {@code pytorch_model.bin} fixture, written by real {@code torch.save} from the F16
 * safetensors fixture's tensors (testdata/torch/make_torch_fixtures.py), reads back as exactly
 * those tensors, whatever view of a shared storage each one is.
 */
class TorchCheckpointFileTest {

    private static final Path BIN = Fixtures.checkpoint("tiny-gpt-neo-f16-torch").resolve(Checkpoint.TORCH_SINGLE);
    private static final Path SAFETENSORS = Fixtures.checkpoint("tiny-gpt-neo-f16").resolve(Checkpoint.SINGLE);
    private static final int HIDDEN = 48;

    /** The mappings, unmapped once unreachable. */
    private final Arena arena = Arena.ofAuto();

    /** Every float tensor is byte for byte the safetensors one: slices at offsets and strided copies alike. */
    @Test
    void everyTensorEqualsTheSafetensorsFixtures() {
        TorchCheckpointFile bin = TorchCheckpointFile.open(BIN, arena);
        SafetensorsFile reference = SafetensorsFile.open(SAFETENSORS, arena);
        assertEquals(reference.names(), bin.names());
        for (String name : reference.names()) {
            assertArrayEquals(reference.shape(name), bin.shape(name), name);
            if (!name.endsWith("attn.attention.bias")) {
                HostTensor expected = reference.tensor(name);
                HostTensor actual = bin.tensor(name);
                assertEquals(expected.dtype(), actual.dtype(), name);
                assertEquals(-1, expected.data().mismatch(actual.data()), name);
            }
        }
    }

    /** lm_head.weight and wte are one storage, saved once: the same bytes of the mapping, not two copies. */
    @Test
    void theTiedHeadIsTheEmbeddingsMemory() {
        TorchCheckpointFile bin = TorchCheckpointFile.open(BIN, arena);
        assertEquals(bin.tensor("transformer.wte.weight").data().address(), bin.tensor("lm_head.weight").data().address());
    }

    /** q, k and v are row slices of one [3h, h] storage: mapped in place, h*h F16 elements apart. */
    @Test
    void slicesAtAnOffsetAreViewsOfTheMapping() {
        TorchCheckpointFile bin = TorchCheckpointFile.open(BIN, arena);
        String a = "transformer.h.3.attn.attention.";
        long q = bin.tensor(a + "q_proj.weight").data().address();
        assertEquals(q + HIDDEN * HIDDEN * 2, bin.tensor(a + "k_proj.weight").data().address());
        assertEquals(q + 2 * HIDDEN * HIDDEN * 2, bin.tensor(a + "v_proj.weight").data().address());
    }

    /** The bool and uint8 mask buffers are present (their shapes checked) but refused as weights. */
    @Test
    void maskBuffersArePresentButAreNotWeights() {
        TorchCheckpointFile bin = TorchCheckpointFile.open(BIN, arena);
        assertArrayEquals(new long[] {1, 1, 128, 128}, bin.shape("transformer.h.0.attn.attention.bias"));
        CheckpointException bool = assertThrows(CheckpointException.class,
                () -> bin.tensor("transformer.h.0.attn.attention.bias"));
        assertEquals(BIN + ": tensor \"transformer.h.0.attn.attention.bias\": unsupported dtype bool"
                + " (torch.BoolStorage; expected float32, float16 or bfloat16)", bool.getMessage());
        CheckpointException uint8 = assertThrows(CheckpointException.class,
                () -> bin.tensor("transformer.h.2.attn.attention.bias"));
        assertTrue(uint8.getMessage().contains("unsupported dtype uint8 (torch.ByteStorage;"), uint8::getMessage);
    }

    /** The sharded variant: each tensor from the shard its index names, the tied pair in one. */
    @Test
    void theShardedVariantHoldsTheSameTensors() {
        SafetensorsFile reference = SafetensorsFile.open(SAFETENSORS, arena);
        try (Checkpoint sharded = Checkpoint.open(Fixtures.checkpoint("tiny-gpt-neo-f16-torch-sharded"))) {
            for (String name : Set.of("transformer.wte.weight", "lm_head.weight", "transformer.h.5.mlp.c_proj.weight",
                    "transformer.h.0.attn.attention.v_proj.weight", "transformer.ln_f.bias")) {
                MemorySegment expected = reference.tensor(name).data();
                assertEquals(-1, expected.mismatch(sharded.require(name, reference.shape(name)).data()), name);
            }
        }
    }

    /** Protocol 4's opcodes (testdata/torch/protocol-4.bin): arange(12)[2:8] as [2, 3], and arange(12) as [3, 4] transposed. */
    @Test
    void aProtocol4PickleLoads() {
        TorchCheckpointFile bin = TorchCheckpointFile.open(Fixtures.testdata().resolve("torch/protocol-4.bin"), arena);
        assertArrayEquals(new float[] {2, 3, 4, 5, 6, 7}, values(bin.tensor("offset")));
        assertArrayEquals(new long[] {4, 3}, bin.shape("transposed"));
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, values(bin.tensor("transposed")));
    }

    private static float[] values(HostTensor t) {
        float[] v = new float[(int) t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.get(i);
        }
        return v;
    }
}
