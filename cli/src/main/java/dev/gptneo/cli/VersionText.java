package dev.gptneo.cli;

import dev.gptneo.kernels.Backends;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code gptneo --version}: the project's version, the backend a model-running command would pick
 * on this machine, and the JDK, e.g. {@code gptneo 0.1.0-SNAPSHOT (backend vector 256-bit, Java
 * 25.0.1 Temurin)}: what a bug report needs. Fast: it loads no model and creates no backend.
 */
final class VersionText implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {"gptneo " + projectVersion() + " (backend " + Backends.automaticChoice() + ", Java "
                + System.getProperty("java.version") + " " + jdkVendor() + ")"};
    }

    /** From the build: {@code version.properties} is filtered by Maven, so it holds the pom's version. */
    static String projectVersion() {
        Properties properties = new Properties();
        try (InputStream in = VersionText.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is missing from the gptneo-cli jar");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read version.properties", e);
        }
        return properties.getProperty("version");
    }

    /** "Temurin" from java.vendor.version ("Temurin-25.0.1+8"); builds without one give java.vendor. */
    private static String jdkVendor() {
        String vendorVersion = System.getProperty("java.vendor.version");
        return vendorVersion == null || vendorVersion.isBlank() ? System.getProperty("java.vendor")
                : vendorVersion.split("-", 2)[0];
    }
}
