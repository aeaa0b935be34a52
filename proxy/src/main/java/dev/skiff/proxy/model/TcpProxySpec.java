package dev.skiff.proxy.model;

import java.util.List;

/**
 * Relay raw bytes to one of the given clusters (picked by weight once per connection).
 *
 * @param clusters the destinations, at least one, with a positive total weight
 */
public record TcpProxySpec(List<WeightedCluster> clusters) implements ChainAction {

    public TcpProxySpec {
        clusters = WeightedClusters.validate(clusters, "tcp proxy");
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
