package dev.skiff.bench.xds;

import java.util.Arrays;

/** Nearest-rank percentiles of a small sample (one value per change). */
final class Percentiles {
    private Percentiles() {
    }

    /**
     * The nearest-rank {@code p}-th percentile: the smallest value such that at least {@code p} percent of the
     * sample is at or below it. {@code NaN} for an empty sample.
     *
     * @param p from 0 (exclusive) to 100 (inclusive)
     */
    static double nearestRank(double[] values, double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile " + p + " (expected > 0 and <= 100)");
        }
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    static double mean(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
