package dev.gptneo.kernels.opencl;

import static org.jocl.CL.CL_BUILD_PROGRAM_FAILURE;
import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.clBuildProgram;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clCreateProgramWithSource;
import static org.jocl.CL.clGetProgramBuildInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * A context on one device with {@code gptneo.cl} built for it. Building takes from a fraction of
 * a second to several seconds, so it happens once per device and process: every backend on the
 * device shares the context and program (and so may share buffers), and they live until the
 * process ends.
 */
record OpenClProgram(OpenClDevice device, cl_context context, cl_program program) {

    private static final String SOURCE = "gptneo.cl";
    private static final Map<String, OpenClProgram> BUILT = new HashMap<>();

    static synchronized OpenClProgram forDevice(OpenClDevice device) {
        return BUILT.computeIfAbsent(device.platformIndex() + ":" + device.deviceIndex(),
                key -> build(device));
    }

    private static OpenClProgram build(OpenClDevice device) {
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL_CONTEXT_PLATFORM, device.platform());
        cl_device_id[] devices = {device.device()};
        cl_context context = clCreateContext(properties, 1, devices, null, null, null);
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source()}, null, null);
        try {
            clBuildProgram(program, 1, devices, "-cl-std=CL1.2", null, null);
        } catch (CLException e) {
            if (e.getStatus() != CL_BUILD_PROGRAM_FAILURE) {
                throw e;
            }
            throw new IllegalStateException("cannot build " + SOURCE + " for " + device.name() + ":\n"
                    + buildLog(program, device.device()), e);
        }
        return new OpenClProgram(device, context, program);
    }

    private static String source() {
        try (InputStream in = OpenClProgram.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + SOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        return InfoString.read((size, value, sizeReturned) ->
                clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, size, value, sizeReturned));
    }
}
