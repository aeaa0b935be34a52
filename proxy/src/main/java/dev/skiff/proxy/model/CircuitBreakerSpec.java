package dev.skiff.proxy.model;

/**
 * Envoy's default-priority circuit breaker thresholds of a cluster, shared by every event loop.
 *
 * @param maxConnections     connections to all hosts of the cluster; beyond it requests wait for a connection
 * @param maxPendingRequests requests waiting for a connection; beyond it a request is refused at once (UO)
 * @param maxRequests        requests in flight; beyond it a request is refused at once (UO)
 * @param maxRetries         retries in flight; a retry beyond it is not attempted
 */
public record CircuitBreakerSpec(long maxConnections, long maxPendingRequests, long maxRequests, long maxRetries) {

    /** Envoy's defaults when a cluster has no thresholds: 1024 of each, 3 retries. */
    public static final CircuitBreakerSpec ENVOY_DEFAULTS = new CircuitBreakerSpec(1024, 1024, 1024, 3);

    public CircuitBreakerSpec {
        positive(maxConnections, "max_connections");
        nonNegative(maxPendingRequests, "max_pending_requests");
        positive(maxRequests, "max_requests");
        nonNegative(maxRetries, "max_retries");
    }

    private static void positive(long value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException("circuit breaker " + what + ": " + value + " (expected: >= 1)");
        }
    }

    private static void nonNegative(long value, String what) {
        if (value < 0) {
            throw new IllegalArgumentException("circuit breaker " + what + ": " + value + " (expected: >= 0)");
        }
    }
}
