package dev.gptneo.bench.model;

import java.util.Arrays;

/** Summaries of repeated timings, shared by the benchmarks of every module. */
public final class Stats {

    private Stats() {
    }

    /**
     * The middle value (the mean of the two middle ones for an even count): on a shared machine a
     * few runs are disturbed, and the median ignores them where the mean would not.
     */
    public static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("the median of no values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
