package dev.skiff.proxy.upstream;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Picks a locality by smooth weighted round robin over the localities' effective weights, then a host with that
 * locality's own balancer. Weights 80 and 20 give the first locality four picks in every five, never in bursts.
 */
final class LocalityWeightedBalancer implements LoadBalancer {

    private final LoadBalancer[] localities;
    private final long[] weights;
    private final long[] scores;
    private final long totalWeight;

    /** @param weights one positive weight per locality balancer */
    LocalityWeightedBalancer(List<LoadBalancer> localities, List<Long> weights) {
        this.localities = localities.toArray(LoadBalancer[]::new);
        this.weights = new long[this.localities.length];
        this.scores = new long[this.localities.length];
        long total = 0;
        for (int i = 0; i < this.weights.length; i++) {
            this.weights[i] = weights.get(i);
            total += this.weights[i];
        }
        this.totalWeight = total;
    }

    @Override
    public UpstreamHost pick(RandomGenerator random) {
        return localities[next()].pick(random);
    }

    @Override
    public UpstreamHost pick(long hash, RandomGenerator random) {
        return localities[next()].pick(hash, random);
    }

    private int next() {
        return SmoothWeightedRoundRobin.next(weights, scores, totalWeight);
    }
}
