package dev.skiff.proxy.upstream;

import java.util.List;
import java.util.random.RandomGenerator;

/** Draws a host at random in proportion to its weight. */
public final class RandomBalancer implements LoadBalancer {

    private final UpstreamHost[] hosts;
    private final long[] cumulativeWeights;

    public RandomBalancer(List<UpstreamHost> hosts) {
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
        long target = random.nextLong(cumulativeWeights[n - 1]);
        int low = 0;
        int high = n - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (cumulativeWeights[mid] > target) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return hosts[low];
    }
}
