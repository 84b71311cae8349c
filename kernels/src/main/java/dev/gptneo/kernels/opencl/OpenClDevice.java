package dev.gptneo.kernels.opencl;

import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.clGetDeviceIDs;
import static org.jocl.CL.clGetDeviceInfo;
import static org.jocl.CL.clGetPlatformIDs;
import static org.jocl.CL.clGetPlatformInfo;

import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device of this machine, with what the start-up log and the device choice need.
 * {@code platformIndex}/{@code deviceIndex} are the numbers users pass as
 * {@code openclPlatform}/{@code openclDevice}.
 */
record OpenClDevice(int platformIndex, int deviceIndex, cl_platform_id platform, cl_device_id device,
                    String platformName, String name, String version, long type, int computeUnits,
                    long globalMemory) {

    boolean isGpu() {
        return (type & CL_DEVICE_TYPE_GPU) != 0;
    }

    String typeName() {
        if (isGpu()) {
            return "GPU";
        }
        if ((type & CL_DEVICE_TYPE_CPU) != 0) {
            return "CPU";
        }
        return (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
    }

    /** {@code platform:device name (type)}, for lists of choices. */
    String label() {
        return platformIndex + ":" + deviceIndex + " " + name + " (" + typeName() + ")";
    }

    String describe() {
        return name + " (" + typeName() + ", " + computeUnits + " compute units, "
                + (globalMemory >> 20) + " MiB, " + version + ") on platform " + platformIndex
                + " '" + platformName + "', device " + deviceIndex;
    }

    /**
     * Every device of every platform, in platform then device order.
     *
     * @throws CLException (CL_PLATFORM_NOT_FOUND_KHR when the loader finds no driver)
     * @throws LinkageError when there is no OpenCL loader library at all
     */
    static List<OpenClDevice> all() {
        CL.setExceptionsEnabled(true);
        int[] count = new int[1];
        clGetPlatformIDs(0, null, count);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        List<OpenClDevice> devices = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            String platformName = platformString(platforms[p], CL_PLATFORM_NAME);
            cl_device_id[] ids = devicesOf(platforms[p]);
            for (int d = 0; d < ids.length; d++) {
                devices.add(new OpenClDevice(p, d, platforms[p], ids[d], platformName,
                        deviceString(ids[d], CL_DEVICE_NAME), deviceString(ids[d], CL_DEVICE_VERSION),
                        deviceLong(ids[d], CL_DEVICE_TYPE), deviceInt(ids[d], CL_DEVICE_MAX_COMPUTE_UNITS),
                        deviceLong(ids[d], CL_DEVICE_GLOBAL_MEM_SIZE)));
            }
        }
        return List.copyOf(devices);
    }

    /**
     * The device the options name. {@code -1} picks a default: with neither index given, the
     * first GPU over all platforms, else the first device; a platform without a device index
     * means its first GPU, else its first device; a device index without a platform counts
     * within the platform the default choice would use.
     *
     * @throws IllegalArgumentException when no device has those indices, listing those there are
     */
    static OpenClDevice select(List<OpenClDevice> devices, int platform, int device) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("no OpenCL device found");
        }
        int p = platform >= 0 ? platform : firstGpuElseFirst(devices).platformIndex();
        List<OpenClDevice> onPlatform = devices.stream().filter(d -> d.platformIndex() == p).toList();
        if (device < 0 && !onPlatform.isEmpty()) {
            return firstGpuElseFirst(onPlatform);
        }
        return onPlatform.stream()
                .filter(d -> d.deviceIndex() == device)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no OpenCL device "
                        + (device < 0 ? "on platform " + p : p + ":" + device) + "; there are: "
                        + String.join(", ", devices.stream().map(OpenClDevice::label).toList())));
    }

    private static OpenClDevice firstGpuElseFirst(List<OpenClDevice> devices) {
        return devices.stream().filter(OpenClDevice::isGpu).findFirst().orElse(devices.getFirst());
    }

    private static cl_device_id[] devicesOf(cl_platform_id platform) {
        int[] count = new int[1];
        try {
            clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL_DEVICE_NOT_FOUND) {
                return new cl_device_id[0];
            }
            throw e;
        }
        cl_device_id[] ids = new cl_device_id[count[0]];
        clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
        return ids;
    }

    private static String platformString(cl_platform_id platform, int param) {
        return InfoString.read((size, value, sizeReturned) ->
                clGetPlatformInfo(platform, param, size, value, sizeReturned));
    }

    private static String deviceString(cl_device_id device, int param) {
        return InfoString.read((size, value, sizeReturned) ->
                clGetDeviceInfo(device, param, size, value, sizeReturned));
    }

    private static long deviceLong(cl_device_id device, int param) {
        long[] value = new long[1];
        clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(value), null);
        return value[0];
    }

    private static int deviceInt(cl_device_id device, int param) {
        int[] value = new int[1];
        clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(value), null);
        return value[0];
    }
}
