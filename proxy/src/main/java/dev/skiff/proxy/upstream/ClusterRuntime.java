package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.LbPolicy;

import java.util.List;

/**
 * A cluster as the data path sees it: its spec, its hosts and one balancer per event loop (created on first use by
 * the loop that owns the slot, so no slot is ever touched by two threads).
 */
public final class ClusterRuntime {

    private final ClusterSpec spec;
    private final List<UpstreamHost> hosts;
    private final LoadBalancer[] balancers;

    ClusterRuntime(ClusterSpec spec, List<UpstreamHost> hosts, int eventLoops) {
        this.spec = spec;
        this.hosts = List.copyOf(hosts);
        this.balancers = new LoadBalancer[eventLoops];
    }

    public ClusterSpec spec() {
        return spec;
    }

    public String name() {
        return spec.name();
    }

    public List<UpstreamHost> hosts() {
        return hosts;
    }

    /** The balancer of the given event loop; call only from that loop. */
    public LoadBalancer balancer(int eventLoopIndex) {
        LoadBalancer balancer = balancers[eventLoopIndex];
        if (balancer == null) {
            balancer = spec.lbPolicy() == LbPolicy.LEAST_REQUEST
                    ? new LeastRequestBalancer(hosts)
                    : new RoundRobinBalancer(hosts);
            balancers[eventLoopIndex] = balancer;
        }
        return balancer;
    }
}
