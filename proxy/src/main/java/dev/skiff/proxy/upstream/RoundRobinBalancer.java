package dev.skiff.proxy.upstream;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Smooth weighted round robin: every pick adds each host's weight to its running score, takes the host with the
 * highest score and lowers that score by the total weight. Hosts with weights 5, 1, 1 are picked as
 * a a b a c a a, never in bursts.
 */
public final class RoundRobinBalancer implements LoadBalancer {

    private final UpstreamHost[] hosts;
    private final int[] weights;
    private final long[] scores;
    private final long totalWeight;

    public RoundRobinBalancer(List<UpstreamHost> hosts) {
        this.hosts = hosts.toArray(UpstreamHost[]::new);
        this.weights = new int[this.hosts.length];
        this.scores = new long[this.hosts.length];
        long total = 0;
        for (int i = 0; i < this.hosts.length; i++) {
            weights[i] = this.hosts[i].weight();
            total += weights[i];
        }
        this.totalWeight = total;
    }

    @Override
    public UpstreamHost pick(RandomGenerator random) {
        int n = hosts.length;
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return hosts[0];
        }
        int best = 0;
        for (int i = 0; i < n; i++) {
            scores[i] += weights[i];
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        scores[best] -= totalWeight;
        return hosts[best];
    }
}
