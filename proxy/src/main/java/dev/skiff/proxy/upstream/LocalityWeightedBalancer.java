package dev.skiff.proxy.upstream;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Picks a locality by smooth weighted round robin over the localities' effective weights (a hashed request: by its
 * hash, in the same proportions), then a host with that locality's own balancer. Weights 80 and 20 give the first locality four picks in every five, never in bursts.
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

    /** A hashed request's locality follows from its hash too, by weight, so equal hashes reach equal hosts. */
    @Override
    public UpstreamHost pick(long hash, RandomGenerator random) {
        long position = Math.floorMod(hash, totalWeight);
        int locality = 0;
        long end = weights[0];
        while (position >= end) {
            locality++;
            end += weights[locality];
        }
        return localities[locality].pick(hash, random);
    }

    private int next() {
        return SmoothWeightedRoundRobin.next(weights, scores, totalWeight);
    }
}
