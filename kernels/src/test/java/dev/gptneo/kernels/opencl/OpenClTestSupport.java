package dev.gptneo.kernels.opencl;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gptneo.kernels.BackendOptions;

/**
 * Creates the backend under test. Without an OpenCL runtime the tests are
 * skipped on a developer machine but fail in CI ({@code CI=true}), where PoCL is installed: a
 * broken installation must not pass as "all tests skipped".
 */
final class OpenClTestSupport {

    private OpenClTestSupport() {
    }

    /** The backend on the default device, or the one {@code -Dgptneo.test.openclPlatform/Device} name. */
    static OpenClBackend backendOrSkip() {
        new OpenClBackendProvider().unavailableReason().ifPresent(reason -> {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but the OpenCL backend cannot run: " + reason);
            }
            assumeTrue(false, "OpenCL backend not tested: " + reason);
        });
        return (OpenClBackend) new OpenClBackendProvider().create(new BackendOptions(0,
                Integer.getInteger("gptneo.test.openclPlatform", -1), Integer.getInteger("gptneo.test.openclDevice", -1)));
    }
}
