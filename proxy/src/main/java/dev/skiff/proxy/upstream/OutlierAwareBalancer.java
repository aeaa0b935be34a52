package dev.skiff.proxy.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * A balancer over the hosts the outlier detector has not ejected. It rebuilds its inner balancer (on its own event
 * loop) only when the set of ejected hosts changed. When fewer than {@code healthyPanicThreshold} percent of the
 * hosts remain, it balances over all of them, as Envoy does in panic mode; with a threshold of 0 an all-ejected
 * cluster has no host to offer (UH).
 */
final class OutlierAwareBalancer implements LoadBalancer {

    private final List<UpstreamHost> hosts;
    private final Function<List<UpstreamHost>, LoadBalancer> factory;
    private final OutlierDetector detector;
    private final double healthyPanicThreshold;
    private final LoadBalancer all;
    private LoadBalancer current;
    private int seenVersion;

    OutlierAwareBalancer(List<UpstreamHost> hosts, Function<List<UpstreamHost>, LoadBalancer> factory,
                         OutlierDetector detector, double healthyPanicThreshold) {
        this.hosts = hosts;
        this.factory = factory;
        this.detector = detector;
        this.healthyPanicThreshold = healthyPanicThreshold;
        this.all = factory.apply(hosts);
        this.current = all;
        this.seenVersion = Integer.MIN_VALUE;
    }

    @Override
    public UpstreamHost pick(RandomGenerator random) {
        int version = detector.version();
        if (version != seenVersion) {
            seenVersion = version;
            current = rebuild();
        }
        return current.pick(random);
    }

    @Override
    public UpstreamHost pick(long hash, RandomGenerator random) {
        int version = detector.version();
        if (version != seenVersion) {
            seenVersion = version;
            current = rebuild();
        }
        return current.pick(hash, random);
    }

    private LoadBalancer rebuild() {
        if (detector.ejectedCount() == 0) {
            return all;
        }
        List<UpstreamHost> available = new ArrayList<>(hosts.size());
        for (UpstreamHost host : hosts) {
            if (!detector.isEjected(host)) {
                available.add(host);
            }
        }
        if (available.size() == hosts.size()) {
            return all;
        }
        if (available.size() * 100.0 < healthyPanicThreshold * hosts.size()) {
            return all;
        }
        return factory.apply(available);
    }
}
