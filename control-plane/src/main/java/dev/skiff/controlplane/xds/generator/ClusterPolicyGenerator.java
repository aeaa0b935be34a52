package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.ConnectionPoolSettings;
import dev.skiff.api.networking.v1alpha3.OutlierDetection;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.UpstreamConnectionOptions;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * A DestinationRule's {@code connectionPool} and {@code outlierDetection} as Istio writes them on a cluster
 * (pilot's cluster traffic policy): circuit breaker thresholds (Istio's defaults, every threshold at 2^32-1, on
 * every cluster), {@code connect_timeout}, the HTTP protocol options' {@code common_http_protocol_options},
 * {@code upstream_connection_options.tcp_keepalive}, {@code outlier_detection} with success-rate detection off,
 * and {@code common_lb_config.healthy_panic_threshold} from {@code minHealthPercent}.
 */
final class ClusterPolicyGenerator {

    /** Istio's value for every threshold a DestinationRule leaves unset: no limit. */
    static final int UNLIMITED = -1;

    private ClusterPolicyGenerator() {
    }

    /**
     * The policy that applies to one cluster, merged as Istio does: the subset's connection pool, outlier detection,
     * balancer and TLS replace the rule's; a port-level setting for the cluster's port (the subset's, else the
     * rule's) replaces all four, whether it sets them or not.
     *
     * @param subset the subset's policy, or null for the service's own cluster
     */
    static TrafficPolicy effective(TrafficPolicy rule, TrafficPolicy subset, int port) {
        TrafficPolicy merged = withPortLevel(rule, port);
        if (subset == null) {
            return merged;
        }
        TrafficPolicy.Builder builder = merged.toBuilder().clearPortLevelSettings();
        if (subset.hasConnectionPool()) {
            builder.setConnectionPool(subset.getConnectionPool());
        }
        if (subset.hasOutlierDetection()) {
            builder.setOutlierDetection(subset.getOutlierDetection());
        }
        if (subset.hasLoadBalancer()) {
            builder.setLoadBalancer(subset.getLoadBalancer());
        }
        if (subset.hasTls()) {
            builder.setTls(subset.getTls());
        }
        for (TrafficPolicy.PortTrafficPolicy portPolicy : subset.getPortLevelSettingsList()) {
            if (portPolicy.getPort().getNumber() == port) {
                return portLevel(builder, portPolicy);
            }
        }
        return builder.build();
    }

    private static TrafficPolicy withPortLevel(TrafficPolicy policy, int port) {
        for (TrafficPolicy.PortTrafficPolicy portPolicy : policy.getPortLevelSettingsList()) {
            if (portPolicy.getPort().getNumber() == port) {
                return portLevel(policy.toBuilder().clearPortLevelSettings(), portPolicy);
            }
        }
        return policy.toBuilder().clearPortLevelSettings().build();
    }

    private static TrafficPolicy portLevel(TrafficPolicy.Builder builder, TrafficPolicy.PortTrafficPolicy portPolicy) {
        builder.clearConnectionPool().clearOutlierDetection().clearLoadBalancer().clearTls();
        if (portPolicy.hasConnectionPool()) {
            builder.setConnectionPool(portPolicy.getConnectionPool());
        }
        if (portPolicy.hasOutlierDetection()) {
            builder.setOutlierDetection(portPolicy.getOutlierDetection());
        }
        if (portPolicy.hasLoadBalancer()) {
            builder.setLoadBalancer(portPolicy.getLoadBalancer());
        }
        if (portPolicy.hasTls()) {
            builder.setTls(portPolicy.getTls());
        }
        return builder.build();
    }

    /** Writes the policy's connection pool (Istio's defaults when it has none) and outlier detection. */
    static void apply(Cluster.Builder cluster, TrafficPolicy policy) {
        connectionPool(cluster, policy.getConnectionPool());
        if (policy.hasOutlierDetection()) {
            outlierDetection(cluster, policy.getOutlierDetection());
        }
    }

    /** Istio's thresholds for a cluster without a connection pool: every limit at 2^32-1. */
    static CircuitBreakers.Thresholds.Builder defaultThresholds() {
        return CircuitBreakers.Thresholds.newBuilder()
                .setMaxRetries(UInt32Value.of(UNLIMITED))
                .setMaxRequests(UInt32Value.of(UNLIMITED))
                .setMaxConnections(UInt32Value.of(UNLIMITED))
                .setMaxPendingRequests(UInt32Value.of(UNLIMITED))
                .setTrackRemaining(true);
    }

    private static void connectionPool(Cluster.Builder cluster, ConnectionPoolSettings settings) {
        CircuitBreakers.Thresholds.Builder thresholds = defaultThresholds();
        io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.Builder common =
                io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder();
        if (settings.hasHttp()) {
            ConnectionPoolSettings.HTTPSettings http = settings.getHttp();
            if (http.getHttp2MaxRequests() > 0) {
                thresholds.setMaxRequests(UInt32Value.of(http.getHttp2MaxRequests()));
            }
            if (http.getHttp1MaxPendingRequests() > 0) {
                thresholds.setMaxPendingRequests(UInt32Value.of(http.getHttp1MaxPendingRequests()));
            }
            if (http.getMaxRetries() > 0) {
                thresholds.setMaxRetries(UInt32Value.of(http.getMaxRetries()));
            }
            if (http.hasIdleTimeout()) {
                common.setIdleTimeout(http.getIdleTimeout());
            }
            if (http.getMaxRequestsPerConnection() > 0) {
                common.setMaxRequestsPerConnection(UInt32Value.of(http.getMaxRequestsPerConnection()));
            }
        }
        if (settings.hasTcp()) {
            ConnectionPoolSettings.TCPSettings tcp = settings.getTcp();
            if (tcp.hasConnectTimeout()) {
                cluster.setConnectTimeout(tcp.getConnectTimeout());
            }
            if (tcp.getMaxConnections() > 0) {
                thresholds.setMaxConnections(UInt32Value.of(tcp.getMaxConnections()));
            }
            if (tcp.hasMaxConnectionDuration()) {
                common.setMaxConnectionDuration(tcp.getMaxConnectionDuration());
            }
            if (!common.hasIdleTimeout() && tcp.hasIdleTimeout()) {
                common.setIdleTimeout(tcp.getIdleTimeout());
            }
            if (tcp.hasTcpKeepalive()) {
                cluster.setUpstreamConnectionOptions(UpstreamConnectionOptions.newBuilder()
                        .setTcpKeepalive(keepalive(tcp.getTcpKeepalive())));
            }
        }
        cluster.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(thresholds));
        if (!common.build().equals(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.getDefaultInstance())) {
            withCommonHttpOptions(cluster, common.build());
        }
    }

    private static TcpKeepalive keepalive(ConnectionPoolSettings.TCPSettings.TcpKeepalive keepalive) {
        TcpKeepalive.Builder envoy = TcpKeepalive.newBuilder();
        if (keepalive.getProbes() > 0) {
            envoy.setKeepaliveProbes(UInt32Value.of(keepalive.getProbes()));
        }
        if (keepalive.hasTime()) {
            envoy.setKeepaliveTime(UInt32Value.of((int) keepalive.getTime().getSeconds()));
        }
        if (keepalive.hasInterval()) {
            envoy.setKeepaliveInterval(UInt32Value.of((int) keepalive.getInterval().getSeconds()));
        }
        return envoy.build();
    }

    /** Puts the common options into the cluster's HTTP protocol options, explicit HTTP/1.1 when it has none. */
    private static void withCommonHttpOptions(Cluster.Builder cluster,
                                              io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions common) {
        Any existing = cluster.getTypedExtensionProtocolOptionsMap().get(EnvoyProtos.HTTP_PROTOCOL_OPTIONS_KEY);
        HttpProtocolOptions.Builder options;
        if (existing == null) {
            options = HttpProtocolOptions.newBuilder().setExplicitHttpConfig(
                    HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                            .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()));
        } else {
            try {
                options = existing.unpack(HttpProtocolOptions.class).toBuilder();
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("cluster " + cluster.getName() + ": HTTP protocol options do not"
                        + " unpack (expected: " + EnvoyProtos.HTTP_PROTOCOL_OPTIONS_KEY + ")", e);
            }
        }
        options.setCommonHttpProtocolOptions(common);
        cluster.putTypedExtensionProtocolOptions(EnvoyProtos.HTTP_PROTOCOL_OPTIONS_KEY, Any.pack(options.build()));
    }

    private static void outlierDetection(Cluster.Builder cluster, OutlierDetection outlier) {
        io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.Builder envoy =
                io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.newBuilder()
                        .setEnforcingSuccessRate(UInt32Value.of(0));
        if (outlier.getConsecutiveErrors() > 0) {
            envoy.setConsecutiveGatewayFailure(UInt32Value.of(outlier.getConsecutiveErrors()))
                    .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100))
                    .setEnforcingConsecutive5Xx(UInt32Value.of(0));
        }
        if (outlier.hasConsecutive5XxErrors()) {
            int errors = outlier.getConsecutive5XxErrors().getValue();
            envoy.setConsecutive5Xx(UInt32Value.of(errors))
                    .setEnforcingConsecutive5Xx(UInt32Value.of(errors > 0 ? 100 : 0));
        }
        if (outlier.hasConsecutiveGatewayErrors()) {
            int errors = outlier.getConsecutiveGatewayErrors().getValue();
            envoy.setConsecutiveGatewayFailure(UInt32Value.of(errors))
                    .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(errors > 0 ? 100 : 0));
        }
        if (outlier.hasInterval()) {
            envoy.setInterval(outlier.getInterval());
        }
        if (outlier.hasBaseEjectionTime()) {
            envoy.setBaseEjectionTime(outlier.getBaseEjectionTime());
        }
        if (outlier.getMaxEjectionPercent() > 0) {
            envoy.setMaxEjectionPercent(UInt32Value.of(outlier.getMaxEjectionPercent()));
        }
        if (outlier.getSplitExternalLocalOriginErrors()) {
            envoy.setSplitExternalLocalOriginErrors(true);
            if (outlier.hasConsecutiveLocalOriginFailures()
                    && outlier.getConsecutiveLocalOriginFailures().getValue() > 0) {
                envoy.setConsecutiveLocalOriginFailure(outlier.getConsecutiveLocalOriginFailures())
                        .setEnforcingConsecutiveLocalOriginFailure(UInt32Value.of(100));
            }
            envoy.setEnforcingLocalOriginSuccessRate(UInt32Value.of(0));
        }
        cluster.setOutlierDetection(envoy);
        if (outlier.getMinHealthPercent() >= 0) {
            cluster.setCommonLbConfig(cluster.getCommonLbConfig().toBuilder()
                    .setHealthyPanicThreshold(Percent.newBuilder().setValue(outlier.getMinHealthPercent())));
        }
    }
}
