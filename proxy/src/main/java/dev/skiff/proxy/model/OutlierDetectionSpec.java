package dev.skiff.proxy.model;

import java.time.Duration;

/**
 * Envoy's outlier detection of a cluster (consecutive failures only; success-rate detection is off as Istio
 * configures it). A threshold of 0 or an enforcement of 0 % disables that detector.
 *
 * @param consecutive5xx                     consecutive 5xx answers (and, unless split, local failures) that eject
 * @param enforcingConsecutive5xx            percent chance an ejection by 5xx is carried out
 * @param consecutiveGatewayFailure          consecutive 502/503/504 (and, unless split, local failures) that eject
 * @param enforcingConsecutiveGatewayFailure percent chance an ejection by gateway failures is carried out
 * @param splitExternalLocalOriginErrors     whether local failures (connect failure, reset) are counted apart
 * @param consecutiveLocalOriginFailure      consecutive local failures that eject, when split
 * @param enforcingConsecutiveLocalOriginFailure percent chance an ejection by local failures is carried out
 * @param interval                           time between sweeps that return hosts whose ejection is over
 * @param baseEjectionTime                   ejection time, multiplied by how many times the host was ejected
 * @param maxEjectionTime                    cap on the ejection time
 * @param maxEjectionPercent                 most of the cluster's hosts that may be ejected at once
 */
public record OutlierDetectionSpec(int consecutive5xx, int enforcingConsecutive5xx, int consecutiveGatewayFailure,
                                   int enforcingConsecutiveGatewayFailure, boolean splitExternalLocalOriginErrors,
                                   int consecutiveLocalOriginFailure, int enforcingConsecutiveLocalOriginFailure,
                                   Duration interval, Duration baseEjectionTime, Duration maxEjectionTime,
                                   int maxEjectionPercent) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);

    public OutlierDetectionSpec {
        nonNegative(consecutive5xx, "consecutive_5xx");
        nonNegative(consecutiveGatewayFailure, "consecutive_gateway_failure");
        nonNegative(consecutiveLocalOriginFailure, "consecutive_local_origin_failure");
        percent(enforcingConsecutive5xx, "enforcing_consecutive_5xx");
        percent(enforcingConsecutiveGatewayFailure, "enforcing_consecutive_gateway_failure");
        percent(enforcingConsecutiveLocalOriginFailure, "enforcing_consecutive_local_origin_failure");
        percent(maxEjectionPercent, "max_ejection_percent");
        positive(interval, "interval");
        positive(baseEjectionTime, "base_ejection_time");
        positive(maxEjectionTime, "max_ejection_time");
    }

    private static void nonNegative(int value, String what) {
        if (value < 0) {
            throw new IllegalArgumentException("outlier detection " + what + ": " + value + " (expected: >= 0)");
        }
    }

    private static void percent(int value, String what) {
        if (value < 0 || value > 100) {
            throw new IllegalArgumentException("outlier detection " + what + ": " + value + " (expected: 0..100)");
        }
    }

    private static void positive(Duration value, String what) {
        Validation.notNull(value, "outlier detection " + what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("outlier detection " + what + ": " + value + " (expected: > 0)");
        }
    }
}
