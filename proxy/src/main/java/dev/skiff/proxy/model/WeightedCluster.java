package dev.skiff.proxy.model;

/**
 * One destination cluster of a route or TCP proxy with its relative weight.
 *
 * @param cluster the cluster name, e.g. {@code outbound|9080||reviews.default.svc.cluster.local}
 * @param weight  relative weight, {@code >= 0}; a single destination uses any positive weight
 */
public record WeightedCluster(String cluster, int weight) {

    public WeightedCluster {
        Validation.notBlank(cluster, "weighted cluster name");
        if (weight < 0) {
            throw new IllegalArgumentException("weight of cluster " + cluster + ": " + weight + " (expected: >= 0)");
        }
    }

    /** A single destination with weight 1. */
    public static WeightedCluster of(String cluster) {
        return new WeightedCluster(cluster, 1);
    }
}
