package dev.gptneo.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;

import dev.gptneo.kernels.Backends;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The device choice from BackendOptions' indices, on made-up device lists (no OpenCL needed). */
class OpenClDeviceTest {

    private static OpenClDevice device(int platform, int index, long type) {
        return new OpenClDevice(platform, index, null, null, "platform " + platform, "dev" + platform + index,
                "OpenCL 3.0", type, 8, 1L << 30);
    }

    private static final OpenClDevice CPU_0_0 = device(0, 0, CL_DEVICE_TYPE_CPU);
    private static final OpenClDevice CPU_1_0 = device(1, 0, CL_DEVICE_TYPE_CPU);
    private static final OpenClDevice GPU_1_1 = device(1, 1, CL_DEVICE_TYPE_GPU);
    private static final OpenClDevice GPU_1_2 = device(1, 2, CL_DEVICE_TYPE_GPU);
    private static final List<OpenClDevice> MACHINE = List.of(CPU_0_0, CPU_1_0, GPU_1_1, GPU_1_2);

    @Test
    void defaultIsTheFirstGpuOfAllPlatforms() {
        assertEquals(GPU_1_1, OpenClDevice.select(MACHINE, -1, -1));
    }

    @Test
    void defaultWithoutGpuIsTheFirstDevice() {
        assertEquals(CPU_0_0, OpenClDevice.select(List.of(CPU_0_0, CPU_1_0), -1, -1));
    }

    @Test
    void aPlatformAloneMeansItsFirstGpuElseItsFirstDevice() {
        assertEquals(CPU_0_0, OpenClDevice.select(MACHINE, 0, -1));
        assertEquals(GPU_1_1, OpenClDevice.select(MACHINE, 1, -1));
    }

    @Test
    void aDeviceAloneCountsWithinTheDefaultPlatform() {
        assertEquals(GPU_1_2, OpenClDevice.select(MACHINE, -1, 2));
    }

    @Test
    void unknownIndicesAreRejectedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OpenClDevice.select(MACHINE, 0, 3));
        assertTrue(e.getMessage().contains("no OpenCL device 0:3"), e.getMessage());
        assertTrue(e.getMessage().contains("1:2 dev12 (GPU)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OpenClDevice.select(MACHINE, 5, -1));
    }

    @Test
    void registeredAndOnlyAutoSelectedOnAGpu() {
        assertTrue(Backends.names().contains("opencl"));
        OpenClBackendProvider provider = new OpenClBackendProvider();
        if (provider.unavailableReason().isEmpty()) {
            try (OpenClBackend backend = OpenClTestSupport.backendOrSkip()) {
                assertEquals(backend.description().contains("(GPU,"), provider.automaticSkipReason().isEmpty());
            }
        } else {
            assertFalse(provider.automaticSkipReason().isEmpty());
        }
    }
}
