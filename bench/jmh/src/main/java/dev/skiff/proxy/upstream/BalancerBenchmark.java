package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.WeightedCluster;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One host pick per operation, as the router filter makes it for every request: smooth weighted round robin and
 * power-of-two-choices least request over {@code hosts} endpoints (weights 1 to 3, a third of the hosts with
 * requests in flight), and the weighted-cluster pick of a 90/10 canary split.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BalancerBenchmark {

    @Param({"3", "100"})
    public int hosts;

    private final SplittableRandom random = new SplittableRandom(7);
    private RoundRobinBalancer roundRobin;
    private LeastRequestBalancer leastRequest;
    private List<WeightedCluster> split;

    @Setup
    public void setUp() {
        List<UpstreamHost> upstreams = new ArrayList<>(hosts);
        for (int i = 0; i < hosts; i++) {
            InetSocketAddress address = InetSocketAddress.createUnresolved("10.1." + (i / 250) + "." + (i % 250 + 1),
                    8080);
            UpstreamHost host = new UpstreamHost(new Endpoint(address, 1 + i % 3, "us-east1/us-east1-b/"));
            for (int active = 0; active < (i % 3 == 0 ? 2 : 0); active++) {
                host.requestStarted();
            }
            upstreams.add(host);
        }
        roundRobin = new RoundRobinBalancer(upstreams);
        leastRequest = new LeastRequestBalancer(upstreams);
        split = List.of(new WeightedCluster("outbound|8080|v1|reviews.default.svc.cluster.local", 90),
                new WeightedCluster("outbound|8080|v2|reviews.default.svc.cluster.local", 10));
    }

    @Benchmark
    public UpstreamHost roundRobin() {
        return roundRobin.pick(random);
    }

    @Benchmark
    public UpstreamHost leastRequest() {
        return leastRequest.pick(random);
    }

    @Benchmark
    public WeightedCluster weightedClusters() {
        return WeightedClusterPicker.pick(split, 100, random);
    }
}
