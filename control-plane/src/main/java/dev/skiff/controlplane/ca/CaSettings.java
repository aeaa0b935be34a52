package dev.skiff.controlplane.ca;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How the CA issues certificates.
 *
 * @param trustDomain        the SPIFFE trust domain of every identity this CA certifies
 * @param defaultWorkloadTtl validity of a workload certificate when the request names none
 * @param maxWorkloadTtl     longest validity a request may obtain; longer requests are shortened to it
 * @param rootTtl            validity of a self-signed root created on first start
 * @param clock              the time source for validity periods and token expiry
 */
public record CaSettings(String trustDomain, Duration defaultWorkloadTtl, Duration maxWorkloadTtl, Duration rootTtl,
                         Clock clock) {
    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
    public static final Duration DEFAULT_WORKLOAD_TTL = Duration.ofHours(24);
    public static final Duration DEFAULT_MAX_WORKLOAD_TTL = Duration.ofDays(90);
    public static final Duration DEFAULT_ROOT_TTL = Duration.ofDays(3650);

    public CaSettings {
        SpiffeId.requireTrustDomain(Objects.requireNonNull(trustDomain, "trustDomain"));
        requirePositive("default workload certificate TTL", defaultWorkloadTtl);
        requirePositive("max workload certificate TTL", maxWorkloadTtl);
        requirePositive("root certificate TTL", rootTtl);
        Objects.requireNonNull(clock, "clock");
        if (defaultWorkloadTtl.compareTo(maxWorkloadTtl) > 0) {
            throw new IllegalArgumentException("default workload certificate TTL " + defaultWorkloadTtl
                    + " exceeds the max workload certificate TTL " + maxWorkloadTtl + " (expected: default <= max)");
        }
    }

    /** Trust domain {@code cluster.local}, 24 h workload certificates (at most 90 days), a 10-year root. */
    public static CaSettings defaults() {
        return new CaSettings(DEFAULT_TRUST_DOMAIN, DEFAULT_WORKLOAD_TTL, DEFAULT_MAX_WORKLOAD_TTL, DEFAULT_ROOT_TTL,
                Clock.systemUTC());
    }

    public CaSettings withTrustDomain(String domain) {
        return new CaSettings(domain, defaultWorkloadTtl, maxWorkloadTtl, rootTtl, clock);
    }

    /** The max TTL; the default TTL is shortened to it when it is longer. */
    public CaSettings withMaxWorkloadTtl(Duration max) {
        requirePositive("max workload certificate TTL", max);
        Duration fittingDefault = defaultWorkloadTtl.compareTo(max) > 0 ? max : defaultWorkloadTtl;
        return new CaSettings(trustDomain, fittingDefault, max, rootTtl, clock);
    }

    public CaSettings withDefaultWorkloadTtl(Duration ttl) {
        return new CaSettings(trustDomain, ttl, maxWorkloadTtl, rootTtl, clock);
    }

    public CaSettings withClock(Clock newClock) {
        return new CaSettings(trustDomain, defaultWorkloadTtl, maxWorkloadTtl, rootTtl, newClock);
    }

    /**
     * The validity a workload gets for a request: the default for zero, the request itself up to the max.
     *
     * @throws IllegalArgumentException for a negative request
     */
    public Duration workloadTtl(Duration requested) {
        if (requested.isNegative()) {
            throw new IllegalArgumentException("validity duration " + requested.toSeconds()
                    + "s (expected: >= 0 seconds; 0 asks for the default " + defaultWorkloadTtl + ")");
        }
        if (requested.isZero()) {
            return defaultWorkloadTtl;
        }
        return requested.compareTo(maxWorkloadTtl) > 0 ? maxWorkloadTtl : requested;
    }

    private static void requirePositive(String what, Duration value) {
        Objects.requireNonNull(value, what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " " + value + " (expected: > 0)");
        }
    }
}
