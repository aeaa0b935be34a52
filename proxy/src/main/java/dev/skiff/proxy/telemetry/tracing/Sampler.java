package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.telemetry.TracingPolicy;

import java.util.random.RandomGenerator;

/**
 * Decides whether a new trace is recorded: a caller's decision (a sampled flag in the propagated headers) is
 * honoured; without one, a percentage of requests is sampled, as Istio's {@code tracing.sampling} (default 1%).
 */
public final class Sampler {

    /** Istio's default sampling percentage. */
    public static final double DEFAULT_PERCENT = 1.0;

    private final double percent;

    /**
     * @param percent the share of requests without a caller's decision that are sampled, 0 to 100
     */
    public Sampler(double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException("trace sampling " + percent + " (expected: a percentage from 0 to 100)");
        }
        this.percent = percent;
    }

    public double percent() {
        return percent;
    }

    /** Whether to sample, given the caller's decision ({@link TraceContext#sampling()}). */
    public boolean sample(int incoming, RandomGenerator random) {
        return sample(incoming, random, percent);
    }

    /**
     * Whether to sample, given the caller's decision, with a listener's own percentage.
     *
     * @param listenerPercent the listener's percentage, or {@link TracingPolicy#SIDECAR_SAMPLING} for this sampler's
     */
    public boolean sample(int incoming, RandomGenerator random, double listenerPercent) {
        double percent = listenerPercent == TracingPolicy.SIDECAR_SAMPLING ? this.percent : listenerPercent;
        if (incoming == TraceContext.SAMPLED) {
            return true;
        }
        if (incoming == TraceContext.NOT_SAMPLED) {
            return false;
        }
        if (percent >= 100) {
            return true;
        }
        return percent > 0 && random.nextDouble() * 100 < percent;
    }
}
