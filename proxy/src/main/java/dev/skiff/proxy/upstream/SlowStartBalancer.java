package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.SlowStartSpec;

import java.util.List;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Round robin or least request with Envoy's slow start: while some host is younger than the window, every pick
 * weighs each host by its weight times its {@link SlowStartSpec#factor warm-up factor} (smooth weighted round robin,
 * or power of two choices drawn by those weights and compared by active requests per weight); once every host is
 * warm, picks go to the plain balancer for good. Picks allocate nothing.
 */
final class SlowStartBalancer implements LoadBalancer {

    /** Effective weights are kept in thousandths of a weight unit. */
    private static final long SCALE = 1000;

    private final UpstreamHost[] hosts;
    private final boolean leastRequest;
    private final SlowStartSpec slowStart;
    private final LongSupplier nanoClock;
    private final LoadBalancer settled;
    private final long[] weights;
    private final long[] scores;
    private final long[] cumulative;
    private boolean warming = true;

    /** @param policy ROUND_ROBIN or LEAST_REQUEST */
    SlowStartBalancer(List<UpstreamHost> hosts, LbPolicy policy, SlowStartSpec slowStart, LongSupplier nanoClock) {
        if (policy != LbPolicy.ROUND_ROBIN && policy != LbPolicy.LEAST_REQUEST) {
            throw new IllegalArgumentException("slow start with " + policy
                    + " (expected: ROUND_ROBIN or LEAST_REQUEST)");
        }
        this.hosts = hosts.toArray(UpstreamHost[]::new);
        this.leastRequest = policy == LbPolicy.LEAST_REQUEST;
        this.slowStart = slowStart;
        this.nanoClock = nanoClock;
        this.settled = leastRequest ? new LeastRequestBalancer(hosts) : new RoundRobinBalancer(hosts);
        this.weights = new long[this.hosts.length];
        this.scores = new long[this.hosts.length];
        this.cumulative = new long[this.hosts.length];
    }

    @Override
    public UpstreamHost pick(RandomGenerator random) {
        if (hosts.length < 2 || !warming) {
            return settled.pick(random);
        }
        warming = refresh();
        if (!warming) {
            return settled.pick(random);
        }
        return leastRequest ? leastRequest(random) : roundRobin();
    }

    /** Computes the weights of now; false when no host warms up any more. */
    private boolean refresh() {
        long now = nanoClock.getAsLong();
        long windowNanos = slowStart.window().toNanos();
        boolean anyWarming = false;
        long sum = 0;
        for (int i = 0; i < hosts.length; i++) {
            long age = now - hosts[i].createdNanos();
            anyWarming |= age < windowNanos;
            weights[i] = Math.max(1, Math.round(hosts[i].weight() * SCALE * slowStart.factor(age)));
            sum += weights[i];
            cumulative[i] = sum;
        }
        return anyWarming;
    }

    private UpstreamHost roundRobin() {
        return hosts[SmoothWeightedRoundRobin.next(weights, scores, cumulative[cumulative.length - 1])];
    }

    private UpstreamHost leastRequest(RandomGenerator random) {
        int first = LeastRequestBalancer.draw(cumulative, random);
        int second = LeastRequestBalancer.draw(cumulative, random);
        long firstLoad = (hosts[first].activeRequests() + 1L) * weights[second];
        long secondLoad = (hosts[second].activeRequests() + 1L) * weights[first];
        return secondLoad < firstLoad ? hosts[second] : hosts[first];
    }
}
