package dev.skiff.proxy.model;

import dev.skiff.proxy.telemetry.ListenerTelemetry;

import java.util.List;

/**
 * Relay raw bytes to one of the given clusters (picked by weight once per connection).
 *
 * @param clusters  the destinations, at least one, with a positive total weight
 * @param telemetry the chain's metric settings (Istio's Telemetry, from the network {@code istio.stats} filter)
 */
public record TcpProxySpec(List<WeightedCluster> clusters, ListenerTelemetry telemetry) implements ChainAction {

    public TcpProxySpec(List<WeightedCluster> clusters) {
        this(clusters, ListenerTelemetry.DEFAULT);
    }

    public TcpProxySpec {
        clusters = WeightedClusters.validate(clusters, "tcp proxy");
        Validation.notNull(telemetry, "tcp proxy telemetry");
    }

    /** This TCP proxy with the given telemetry settings. */
    public TcpProxySpec withTelemetry(ListenerTelemetry settings) {
        return new TcpProxySpec(clusters, settings);
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
