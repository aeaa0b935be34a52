package dev.skiff.proxy.xds;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Jittered exponential backoff between attempts to re-open the ADS stream: the n-th consecutive failure waits a
 * uniformly random time in {@code [ceiling / 2, ceiling]} where {@code ceiling = min(cap, base * 2^(n-1))}. Half of
 * the ceiling is kept so that a fleet of proxies spreads out without any of them retrying almost at once.
 *
 * <p>Not thread-safe: the ADS client uses it from its own single thread.
 */
public final class ReconnectBackoff {
    private final long baseNanos;
    private final long capNanos;
    private final RandomGenerator random;
    private int failures;

    public ReconnectBackoff(Duration base, Duration cap, RandomGenerator random) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cap, "cap");
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("backoff base: " + base + " (expected: > 0)");
        }
        if (cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff cap: " + cap + " (expected: >= base " + base + ")");
        }
        this.baseNanos = base.toNanos();
        this.capNanos = cap.toNanos();
        this.random = Objects.requireNonNull(random, "random");
    }

    /** 0.5 s doubling up to 30 s. */
    public static ReconnectBackoff standard(RandomGenerator random) {
        return new ReconnectBackoff(Duration.ofMillis(500), Duration.ofSeconds(30), random);
    }

    /** The delay before the next attempt; each call counts one more consecutive failure. */
    public Duration nextDelay() {
        long ceiling = ceilingNanos(failures);
        if (failures < Integer.MAX_VALUE) {
            failures++;
        }
        long floor = ceiling / 2;
        return Duration.ofNanos(floor + random.nextLong(ceiling - floor + 1));
    }

    /** Forgets the failures counted so far, once a stream has proven healthy. */
    public void reset() {
        failures = 0;
    }

    private long ceilingNanos(int previousFailures) {
        long ceiling = baseNanos;
        for (int i = 0; i < previousFailures && ceiling < capNanos; i++) {
            ceiling = ceiling > capNanos / 2 ? capNanos : ceiling * 2;
        }
        return Math.min(ceiling, capNanos);
    }
}
