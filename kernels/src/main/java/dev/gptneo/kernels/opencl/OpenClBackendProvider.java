package dev.gptneo.kernels.opencl;

import static org.jocl.CL.CL_PLATFORM_NOT_FOUND_KHR;

import dev.gptneo.kernels.Backend;
import dev.gptneo.kernels.BackendOptions;
import dev.gptneo.kernels.BackendProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jocl.CLException;

/**
 * The OpenCL backend. Preferred over the CPU backends only on a GPU: on a CPU device (PoCL) it
 * runs, but the Java backends are the better automatic choice there.
 */
public final class OpenClBackendProvider implements BackendProvider {

    static final String NO_RUNTIME = "no OpenCL runtime (libOpenCL.so.1 not found; install an OpenCL ICD "
            + "loader and driver, e.g. ocl-icd-libopencl1 + pocl-opencl-icd)";

    static final String NO_PLATFORM = "no OpenCL platform found (install an OpenCL driver, e.g. pocl-opencl-icd "
            + "for the CPU or the GPU vendor's ICD)";

    /** What this machine offers, found once per process: loading the runtime is not free. */
    private record Probe(List<OpenClDevice> devices, Optional<String> unavailableReason) {
        static final Probe RESULT = run();

        private static Probe run() {
            try {
                List<OpenClDevice> devices = OpenClDevice.all();
                return new Probe(devices, devices.isEmpty()
                        ? Optional.of("no OpenCL device found (the driver lists none; check it with clinfo)") : Optional.empty());
            } catch (LinkageError e) {
                // JOCL's native part fails to link libOpenCL.so.1 (UnsatisfiedLinkError), and
                // every later use of org.jocl.CL fails with NoClassDefFoundError.
                return new Probe(List.of(), Optional.of(NO_RUNTIME));
            } catch (CLException e) {
                return new Probe(List.of(), Optional.of(e.getStatus() == CL_PLATFORM_NOT_FOUND_KHR
                        ? NO_PLATFORM : "OpenCL fails: " + e.getMessage()));
            }
        }
    }

    @Override
    public String name() {
        return "opencl";
    }

    /** Above the CPU backends, so that an available GPU wins the automatic choice. */
    @Override
    public int priority() {
        return 20;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Probe.RESULT.unavailableReason();
    }

    /**
     * Only when the default device is a GPU: PoCL on the CPU is slower than the Java backends.
     * Without a GPU device node the runtime is not even probed: PoCL's LLVM replaces the JVM's
     * SIGSEGV handler when it loads, which crashes the JVM later unless signals are chained
     * (libjsig, which {@code ./gptneo} preloads), so the automatic choice must not load it for
     * nothing on a CPU-only machine.
     */
    @Override
    public Optional<String> automaticSkipReason() {
        if (GPU_DEVICE_NODES.stream().noneMatch(node -> Files.exists(Path.of(node)))) {
            return Optional.of("no GPU device node (" + String.join(", ", GPU_DEVICE_NODES)
                    + "); --backend opencl runs it on a CPU OpenCL device");
        }
        Optional<String> unavailable = unavailableReason();
        if (unavailable.isPresent()) {
            return unavailable;
        }
        OpenClDevice device = OpenClDevice.select(Probe.RESULT.devices(), -1, -1);
        return device.isGpu() ? Optional.empty()
                : Optional.of("the default OpenCL device " + device.label() + " is not a GPU, and the Java "
                        + "backends are faster on a CPU (--backend opencl uses it all the same)");
    }

    /** Where Linux exposes GPUs: NVIDIA's driver, AMD's compute driver, DRM render nodes. */
    private static final List<String> GPU_DEVICE_NODES = List.of("/dev/nvidiactl", "/dev/kfd", "/dev/dri/renderD128");

    @Override
    public Backend create(BackendOptions options) {
        unavailableReason().ifPresent(reason -> {
            throw new IllegalStateException("opencl backend cannot run here: " + reason);
        });
        return new OpenClBackend(OpenClDevice.select(Probe.RESULT.devices(),
                options.openclPlatform(), options.openclDevice()));
    }
}
