package dev.skiff.proxy.model;

import java.util.List;

/**
 * What a matched route does: forward to one of its clusters, picked by weight per request.
 *
 * @param clusters the destinations, at least one, with a positive total weight
 */
public record RouteAction(List<WeightedCluster> clusters) {

    public RouteAction {
        clusters = WeightedClusters.validate(clusters, "route action");
    }

    /** Forward to a single cluster. */
    public static RouteAction cluster(String cluster) {
        return new RouteAction(List.of(WeightedCluster.of(cluster)));
    }

    /** The sum of the clusters' weights. */
    public int totalWeight() {
        return WeightedClusters.totalWeight(clusters);
    }
}
