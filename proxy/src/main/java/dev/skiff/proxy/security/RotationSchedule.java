package dev.skiff.proxy.security;

import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * When to renew a certificate: after {@code ratio} of the lifetime it has left from when it arrived (the CA back-dates
 * {@code notBefore} for lagging clocks, which does not count), moved by a random jitter of up to
 * {@code jitter} of that lifetime either way so that workloads started together do not renew together. Istio's agent
 * renews at half the lifetime ({@code SECRET_GRACE_PERIOD_RATIO} 0.5) with a jitter of 0.01.
 */
public final class RotationSchedule {

    private final double ratio;
    private final double jitter;
    private final RandomGenerator random;

    /**
     * @param ratio  the share of the lifetime after which the certificate is renewed, in (0, 1)
     * @param jitter the largest random shift, as a share of the lifetime, in [0, min(ratio, 1 - ratio))
     */
    public RotationSchedule(double ratio, double jitter, RandomGenerator random) {
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException("rotation ratio: " + ratio + " (expected: > 0 and < 1)");
        }
        if (!(jitter >= 0 && jitter < Math.min(ratio, 1 - ratio))) {
            throw new IllegalArgumentException("rotation jitter: " + jitter + " (expected: >= 0 and < "
                    + Math.min(ratio, 1 - ratio) + ")");
        }
        this.ratio = ratio;
        this.jitter = jitter;
        this.random = random;
    }

    /** Istio's agent defaults: half the lifetime, 1% jitter. */
    public static RotationSchedule istioDefaults(RandomGenerator random) {
        return new RotationSchedule(0.5, 0.01, random);
    }

    /** When a certificate that arrived at {@code receivedAt} and expires at {@code notAfter} should be renewed. */
    public Instant renewAt(Instant receivedAt, Instant notBefore, Instant notAfter) {
        Instant start = notBefore.isAfter(receivedAt) ? notBefore : receivedAt;
        long lifetimeMillis = Math.max(0, Duration.between(start, notAfter).toMillis());
        double share = ratio + (jitter == 0 ? 0 : random.nextDouble(-jitter, jitter));
        return start.plusMillis((long) (lifetimeMillis * share));
    }
}
