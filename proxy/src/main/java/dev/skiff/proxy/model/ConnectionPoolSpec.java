package dev.skiff.proxy.model;

import java.time.Duration;

/**
 * How a cluster's upstream connections are kept: Envoy's {@code common_http_protocol_options} and
 * {@code upstream_connection_options}.
 *
 * @param idleTimeout              how long a connection may stay without a request before it is closed, {@code > 0}
 * @param maxRequestsPerConnection requests a connection serves before it is closed, 0 for no limit
 * @param maxConnectionDuration    how long a connection may live at all, or null for no limit
 * @param tcpKeepalive             TCP keepalive of upstream connections, or null for the operating system's default
 */
public record ConnectionPoolSpec(Duration idleTimeout, int maxRequestsPerConnection, Duration maxConnectionDuration,
                                 TcpKeepaliveSpec tcpKeepalive) {

    /** Envoy's idle timeout of upstream HTTP connections. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

    public static final ConnectionPoolSpec DEFAULT = new ConnectionPoolSpec(DEFAULT_IDLE_TIMEOUT, 0, null, null);

    public ConnectionPoolSpec {
        Validation.notNull(idleTimeout, "idle timeout");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout: " + idleTimeout + " (expected: > 0)");
        }
        if (maxRequestsPerConnection < 0) {
            throw new IllegalArgumentException("max requests per connection: " + maxRequestsPerConnection
                    + " (expected: >= 0)");
        }
        if (maxConnectionDuration != null && (maxConnectionDuration.isNegative() || maxConnectionDuration.isZero())) {
            throw new IllegalArgumentException("max connection duration: " + maxConnectionDuration
                    + " (expected: > 0)");
        }
    }
}
