package dev.skiff.proxy.model;

import java.time.Duration;

/**
 * An upstream cluster.
 *
 * @param name           the cluster name, e.g. {@code outbound|9080||reviews.default.svc.cluster.local}
 * @param lbPolicy       how endpoints are picked
 * @param protocol       the protocol spoken to endpoints
 * @param connectTimeout how long a connection attempt may take, {@code > 0}
 * @param isStatic       whether the endpoints come with the cluster (STATIC) rather than from EDS
 * @param transport      plaintext or TLS, per endpoint
 * @param policy         circuit breakers, connection pool and outlier detection
 */
public record ClusterSpec(String name, LbPolicy lbPolicy, UpstreamProtocol protocol, Duration connectTimeout,
                          boolean isStatic, UpstreamTransport transport, ClusterPolicy policy) {

    /** Envoy's default connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    public ClusterSpec {
        Validation.notBlank(name, "cluster name");
        Validation.notNull(lbPolicy, "lb policy of cluster " + name);
        Validation.notNull(protocol, "protocol of cluster " + name);
        Validation.notNull(connectTimeout, "connect timeout of cluster " + name);
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout of cluster " + name + ": " + connectTimeout
                    + " (expected: > 0)");
        }
        transport = transport == null ? UpstreamTransport.PLAINTEXT : transport;
        policy = policy == null ? ClusterPolicy.DEFAULT : policy;
    }

    /** A plaintext cluster with the given policy. */
    public ClusterSpec(String name, LbPolicy lbPolicy, UpstreamProtocol protocol, Duration connectTimeout,
                       boolean isStatic, ClusterPolicy policy) {
        this(name, lbPolicy, protocol, connectTimeout, isStatic, UpstreamTransport.PLAINTEXT, policy);
    }

    /** A cluster with the default policy. */
    public ClusterSpec(String name, LbPolicy lbPolicy, UpstreamProtocol protocol, Duration connectTimeout,
                       boolean isStatic, UpstreamTransport transport) {
        this(name, lbPolicy, protocol, connectTimeout, isStatic, transport, ClusterPolicy.DEFAULT);
    }

    /** A plaintext cluster. */
    public ClusterSpec(String name, LbPolicy lbPolicy, UpstreamProtocol protocol, Duration connectTimeout,
                       boolean isStatic) {
        this(name, lbPolicy, protocol, connectTimeout, isStatic, UpstreamTransport.PLAINTEXT);
    }
}
