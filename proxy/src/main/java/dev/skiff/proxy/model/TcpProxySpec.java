package dev.skiff.proxy.model;

import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.telemetry.ListenerTelemetry;

import java.util.List;

/**
 * Relay raw bytes to one of the given clusters (picked by weight once per connection).
 *
 * @param clusters  the destinations, at least one, with a positive total weight
 * @param telemetry the chain's metric settings (Istio's Telemetry, from the network {@code istio.stats} filter)
 * @param rbac      the RBAC network filters each connection must pass, in order, before it is relayed (Istio's
 *                  AuthorizationPolicies on a TCP port); empty when none
 * @param metadataExchange whether the chain starts with Istio's TCP metadata exchange filter: a connection whose TLS
 *                  handshake negotiated {@code istio-peer-exchange} exchanges workload metadata before its bytes
 */
public record TcpProxySpec(List<WeightedCluster> clusters, ListenerTelemetry telemetry, List<RbacRules> rbac,
                           boolean metadataExchange) implements ChainAction {

    public TcpProxySpec(List<WeightedCluster> clusters) {
        this(clusters, ListenerTelemetry.DEFAULT);
    }

    public TcpProxySpec(List<WeightedCluster> clusters, ListenerTelemetry telemetry) {
        this(clusters, telemetry, List.of());
    }

    public TcpProxySpec(List<WeightedCluster> clusters, ListenerTelemetry telemetry, List<RbacRules> rbac) {
        this(clusters, telemetry, rbac, false);
    }

    public TcpProxySpec {
        clusters = WeightedClusters.validate(clusters, "tcp proxy");
        Validation.notNull(telemetry, "tcp proxy telemetry");
        rbac = List.copyOf(rbac);
    }

    /** This TCP proxy with the given telemetry settings. */
    public TcpProxySpec withTelemetry(ListenerTelemetry settings) {
        return new TcpProxySpec(clusters, settings, rbac, metadataExchange);
    }

    /** This TCP proxy behind the given RBAC network filters. */
    public TcpProxySpec withRbac(List<RbacRules> filters) {
        return new TcpProxySpec(clusters, telemetry, filters, metadataExchange);
    }

    /** This TCP proxy behind Istio's metadata exchange filter. */
    public TcpProxySpec withMetadataExchange() {
        return new TcpProxySpec(clusters, telemetry, rbac, true);
    }

    /** The sum of the clusters' weights. */
    public int totalWeight() {
        return WeightedClusters.totalWeight(clusters);
    }

    /** A TCP proxy to a single cluster. */
    public static TcpProxySpec of(String cluster) {
        return new TcpProxySpec(List.of(WeightedCluster.of(cluster)));
    }
}
