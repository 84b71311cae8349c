package dev.gptneo.model.hub;

import java.util.Locale;

/** Sizes as people read them: {@code 512 B}, {@code 1.5 KB}, {@code 526.2 MB} (powers of 1,000, as the Hub shows them). */
public final class ByteSize {

    private static final String[] UNITS = {"B", "KB", "MB", "GB", "TB"};

    private ByteSize() {
    }

    public static String format(long bytes) {
        double value = bytes;
        int unit = 0;
        while (value >= 1000 && unit < UNITS.length - 1) {
            value /= 1000;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }
}
