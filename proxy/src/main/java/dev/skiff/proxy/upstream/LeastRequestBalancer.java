package dev.skiff.proxy.upstream;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Power of two choices: draws two hosts at random in proportion to their weights and takes the one with fewer
 * active requests per unit of weight.
 */
public final class LeastRequestBalancer implements LoadBalancer {

    private final UpstreamHost[] hosts;
    private final long[] cumulativeWeights;

    public LeastRequestBalancer(List<UpstreamHost> hosts) {
        this.hosts = hosts.toArray(UpstreamHost[]::new);
        this.cumulativeWeights = new long[this.hosts.length];
        long sum = 0;
        for (int i = 0; i < this.hosts.length; i++) {
            sum += this.hosts[i].weight();
            cumulativeWeights[i] = sum;
        }
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
        UpstreamHost first = hosts[draw(cumulativeWeights, random)];
        UpstreamHost second = hosts[draw(cumulativeWeights, random)];
        long firstLoad = (first.activeRequests() + 1L) * second.weight();
        long secondLoad = (second.activeRequests() + 1L) * first.weight();
        return secondLoad < firstLoad ? second : first;
    }

    /** The index of a host drawn at random in proportion to its weight, given the running sums of the weights. */
    static int draw(long[] cumulativeWeights, RandomGenerator random) {
        long target = random.nextLong(cumulativeWeights[cumulativeWeights.length - 1]);
        int low = 0;
        int high = cumulativeWeights.length - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (cumulativeWeights[mid] > target) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }
}
