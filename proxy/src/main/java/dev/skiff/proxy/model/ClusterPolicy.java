package dev.skiff.proxy.model;

/**
 * The traffic policy of a cluster beyond balancing and protocol.
 *
 * @param circuitBreakers       thresholds shared by every event loop
 * @param connectionPool        how connections are kept
 * @param outlierDetection      how failing hosts are ejected, or null for no outlier detection
 * @param healthyPanicThreshold percent of available hosts below which ejections are ignored (panic), 0..100
 * @param hashLb                ring and table sizes of consistent-hash balancers
 * @param localityWeighted      whether each priority level spreads its load over localities by locality weight
 * @param slowStart             how new hosts warm up (round robin and least request), or null for no slow start
 */
public record ClusterPolicy(CircuitBreakerSpec circuitBreakers, ConnectionPoolSpec connectionPool,
                            OutlierDetectionSpec outlierDetection, double healthyPanicThreshold, HashLbSpec hashLb,
                            boolean localityWeighted, SlowStartSpec slowStart) {

    /** Envoy's default panic threshold. */
    public static final double DEFAULT_HEALTHY_PANIC_THRESHOLD = 50;

    public static final ClusterPolicy DEFAULT = new ClusterPolicy(CircuitBreakerSpec.ENVOY_DEFAULTS,
            ConnectionPoolSpec.DEFAULT, null, DEFAULT_HEALTHY_PANIC_THRESHOLD, HashLbSpec.DEFAULT, false, null);

    public ClusterPolicy {
        Validation.notNull(circuitBreakers, "circuit breakers");
        Validation.notNull(connectionPool, "connection pool");
        Validation.notNull(hashLb, "hash balancer sizes");
        if (!(healthyPanicThreshold >= 0 && healthyPanicThreshold <= 100)) {
            throw new IllegalArgumentException("healthy panic threshold: " + healthyPanicThreshold
                    + " (expected: 0..100)");
        }
    }

    /** A policy without slow start. */
    public ClusterPolicy(CircuitBreakerSpec circuitBreakers, ConnectionPoolSpec connectionPool,
                         OutlierDetectionSpec outlierDetection, double healthyPanicThreshold, HashLbSpec hashLb,
                         boolean localityWeighted) {
        this(circuitBreakers, connectionPool, outlierDetection, healthyPanicThreshold, hashLb, localityWeighted,
                null);
    }

    /** A policy that balances without locality weights or slow start. */
    public ClusterPolicy(CircuitBreakerSpec circuitBreakers, ConnectionPoolSpec connectionPool,
                         OutlierDetectionSpec outlierDetection, double healthyPanicThreshold, HashLbSpec hashLb) {
        this(circuitBreakers, connectionPool, outlierDetection, healthyPanicThreshold, hashLb, false);
    }

    /** A policy with the default consistent-hash sizes. */
    public ClusterPolicy(CircuitBreakerSpec circuitBreakers, ConnectionPoolSpec connectionPool,
                         OutlierDetectionSpec outlierDetection, double healthyPanicThreshold) {
        this(circuitBreakers, connectionPool, outlierDetection, healthyPanicThreshold, HashLbSpec.DEFAULT);
    }
}
