package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.HashLbSpec;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.OutlierDetectionSpec;
import dev.skiff.proxy.model.SlowStartSpec;
import dev.skiff.proxy.model.UpstreamProtocol;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * A cluster as the data path sees it: its spec, its hosts, one balancer per event loop (created on first use by
 * the loop that owns the slot, so no slot is ever touched by two threads) and its {@link ClusterTraffic} (circuit
 * breakers and outlier detection, shared by every loop).
 */
public final class ClusterRuntime {

    private final ClusterSpec spec;
    private final List<UpstreamHost> hosts;
    private final LoadBalancer[] balancers;
    private final ClusterTraffic traffic;
    private final LongSupplier nanoClock;

    ClusterRuntime(ClusterSpec spec, List<UpstreamHost> hosts, int eventLoops) {
        this(spec, hosts, eventLoops, System::nanoTime, null);
    }

    /**
     * @param nanoClock the monotonic clock of the cluster's outlier detection and slow start
     * @param previous  the cluster's runtime in the previous snapshot, or null: with unchanged thresholds its
     *                  circuit breaker counters go on, with unchanged outlier detection the state of the hosts it
     *                  shares with this one (ejections, consecutive failures) goes on
     */
    ClusterRuntime(ClusterSpec spec, List<UpstreamHost> hosts, int eventLoops, LongSupplier nanoClock,
                   ClusterRuntime previous) {
        this.spec = spec;
        this.hosts = List.copyOf(hosts);
        this.balancers = new LoadBalancer[eventLoops];
        this.nanoClock = nanoClock;
        ClusterTraffic before = previous == null ? null : previous.traffic;
        OutlierDetectionSpec outlier = spec.policy().outlierDetection();
        OutlierDetector previousDetector = before != null && before.outlierDetector() != null
                && before.outlierDetector().spec().equals(outlier) ? before.outlierDetector() : null;
        OutlierDetector detector = outlier == null ? null
                : new OutlierDetector(outlier, this.hosts, nanoClock, previousDetector);
        boolean sameThresholds = before != null
                && before.circuitBreaker().spec().equals(spec.policy().circuitBreakers())
                && previous.spec.protocol() == spec.protocol();
        this.traffic = new ClusterTraffic(sameThresholds ? before.circuitBreaker()
                : new CircuitBreaker(spec.policy().circuitBreakers()), detector,
                spec.protocol() != UpstreamProtocol.HTTP2);
    }

    /** The cluster's circuit breakers and outlier detection. */
    public ClusterTraffic traffic() {
        return traffic;
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
            OutlierDetector detector = traffic.outlierDetector();
            balancer = PriorityBalancer.needed(hosts, spec.policy())
                    ? new PriorityBalancer(hosts, this::newBalancer, detector, spec.policy())
                    : detector == null ? newBalancer(hosts)
                    : new OutlierAwareBalancer(hosts, this::newBalancer, detector,
                    spec.policy().healthyPanicThreshold());
            balancers[eventLoopIndex] = balancer;
        }
        return balancer;
    }

    private LoadBalancer newBalancer(List<UpstreamHost> among) {
        HashLbSpec sizes = spec.policy().hashLb();
        SlowStartSpec slowStart = spec.policy().slowStart();
        return switch (spec.lbPolicy()) {
            case ROUND_ROBIN -> slowStart == null ? new RoundRobinBalancer(among)
                    : new SlowStartBalancer(among, LbPolicy.ROUND_ROBIN, slowStart, nanoClock);
            case LEAST_REQUEST -> slowStart == null ? new LeastRequestBalancer(among)
                    : new SlowStartBalancer(among, LbPolicy.LEAST_REQUEST, slowStart, nanoClock);
            case RANDOM -> new RandomBalancer(among);
            case RING_HASH -> new RingHashBalancer(among, sizes.minimumRingSize(), sizes.maximumRingSize());
            case MAGLEV -> new MaglevBalancer(among, sizes.tableSize());
        };
    }
}
