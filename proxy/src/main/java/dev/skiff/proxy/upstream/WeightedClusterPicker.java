package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.WeightedCluster;

import java.util.List;
import java.util.random.RandomGenerator;

/** Picks one of several weighted clusters at random in proportion to the weights. */
public final class WeightedClusterPicker {

    private WeightedClusterPicker() {
    }

    /**
     * @param clusters    the candidates, at least one
     * @param totalWeight the sum of their weights, {@code > 0}
     */
    public static WeightedCluster pick(List<WeightedCluster> clusters, int totalWeight, RandomGenerator random) {
        int size = clusters.size();
        if (size == 1) {
            return clusters.get(0);
        }
        int target = random.nextInt(totalWeight);
        for (int i = 0; i < size; i++) {
            WeightedCluster cluster = clusters.get(i);
            target -= cluster.weight();
            if (target < 0) {
                return cluster;
            }
        }
        throw new IllegalStateException("total weight " + totalWeight + " exceeds the sum of the cluster weights "
                + clusters + " (expected: the exact sum)");
    }
}
