package dev.skiff.proxy.upstream;

import java.util.random.RandomGenerator;

/**
 * Picks an endpoint of one cluster. An instance belongs to one event loop and is never shared, so it keeps its
 * state without locks.
 */
public interface LoadBalancer {

    /** The chosen host, or null when the cluster has no endpoints. */
    UpstreamHost pick(RandomGenerator random);

    /**
     * The host for a request whose hash policy gave {@code hash}; balancers that do not hash ignore it.
     *
     * @return the chosen host, or null when the cluster has no endpoints
     */
    default UpstreamHost pick(long hash, RandomGenerator random) {
        return pick(random);
    }
}
