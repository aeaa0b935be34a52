package dev.skiff.proxy.model;

import java.time.Duration;

/**
 * Envoy's slow start of a round-robin or least-request cluster: a host that appeared less than {@code window} ago
 * gets its weight times {@code max(minWeightPercent / 100, (age / window) ^ (1 / aggression))}.
 *
 * @param window           how long a new host warms up, {@code > 0}
 * @param aggression       how fast the weight rises, {@code > 0}; 1 is linear
 * @param minWeightPercent the weight a host starts at, in percent of its own, 0..100
 */
public record SlowStartSpec(Duration window, double aggression, double minWeightPercent) {

    /** Envoy's defaults for what the configuration leaves unset. */
    public static final double DEFAULT_AGGRESSION = 1.0;
    public static final double DEFAULT_MIN_WEIGHT_PERCENT = 10;

    public SlowStartSpec {
        Validation.notNull(window, "slow start window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("slow start window: " + window + " (expected: > 0)");
        }
        if (!(aggression > 0) || Double.isInfinite(aggression)) {
            throw new IllegalArgumentException("slow start aggression: " + aggression + " (expected: > 0)");
        }
        if (!(minWeightPercent >= 0 && minWeightPercent <= 100)) {
            throw new IllegalArgumentException("slow start min weight percent: " + minWeightPercent
                    + " (expected: 0..100)");
        }
    }

    /** The share of its weight a host that is {@code ageNanos} old gets, 0..1. */
    public double factor(long ageNanos) {
        long windowNanos = window.toNanos();
        if (ageNanos >= windowNanos) {
            return 1;
        }
        double time = Math.max(ageNanos, 1_000_000L) / (double) windowNanos;
        return Math.max(minWeightPercent / 100, Math.pow(time, 1 / aggression));
    }
}
