package dev.skiff.proxy.model;

import java.util.List;

/** Checks lists of weighted clusters. */
final class WeightedClusters {

    private WeightedClusters() {
    }

    static List<WeightedCluster> validate(List<WeightedCluster> clusters, String owner) {
        Validation.notNull(clusters, owner + " clusters");
        List<WeightedCluster> copy = List.copyOf(clusters);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException(owner + " clusters: [] (expected: at least one cluster)");
        }
        long total = 0;
        for (WeightedCluster cluster : copy) {
            total += cluster.weight();
        }
        if (total <= 0 || total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(owner + " clusters: total weight " + total
                    + " (expected: 1.." + Integer.MAX_VALUE + ")");
        }
        return copy;
    }

    static int totalWeight(List<WeightedCluster> clusters) {
        int total = 0;
        for (int i = 0, n = clusters.size(); i < n; i++) {
            total += clusters.get(i).weight();
        }
        return total;
    }
}
