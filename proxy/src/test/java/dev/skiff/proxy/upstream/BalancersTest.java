package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.UpstreamProtocol;
import dev.skiff.proxy.model.WeightedCluster;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BalancersTest {

    private static UpstreamHost host(int port, int weight) {
        return new UpstreamHost(new Endpoint(new InetSocketAddress("127.0.0.1", port), weight, ""));
    }

    @Test
    void weightedClusterPickFollowsTheWeights() {
        List<WeightedCluster> clusters = List.of(new WeightedCluster("v1", 80), new WeightedCluster("v2", 15),
                new WeightedCluster("v3", 5), new WeightedCluster("never", 0));
        SplittableRandom random = new SplittableRandom(42);
        Map<String, Integer> counts = new HashMap<>();
        int draws = 100_000;
        for (int i = 0; i < draws; i++) {
            counts.merge(WeightedClusterPicker.pick(clusters, 100, random).cluster(), 1, Integer::sum);
        }
        assertThat(counts.get("v1") / (double) draws).isCloseTo(0.80, within(0.01));
        assertThat(counts.get("v2") / (double) draws).isCloseTo(0.15, within(0.01));
        assertThat(counts.get("v3") / (double) draws).isCloseTo(0.05, within(0.01));
        assertThat(counts).doesNotContainKey("never");
    }

    @Test
    void roundRobinIsSmoothAndWeighted() {
        UpstreamHost a = host(1, 5);
        UpstreamHost b = host(2, 1);
        UpstreamHost c = host(3, 1);
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(a, b, c));
        List<UpstreamHost> picks = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            picks.add(balancer.pick(null));
        }
        assertThat(picks).containsExactly(a, a, b, a, c, a, a);
        Map<UpstreamHost, Integer> counts = new HashMap<>();
        for (int i = 0; i < 700; i++) {
            counts.merge(balancer.pick(null), 1, Integer::sum);
        }
        assertThat(counts).containsEntry(a, 500).containsEntry(b, 100).containsEntry(c, 100);
    }

    @Test
    void roundRobinWithEqualWeightsAlternates() {
        UpstreamHost a = host(1, 1);
        UpstreamHost b = host(2, 1);
        RoundRobinBalancer balancer = new RoundRobinBalancer(List.of(a, b));
        assertThat(List.of(balancer.pick(null), balancer.pick(null), balancer.pick(null), balancer.pick(null)))
                .containsExactly(a, b, a, b);
    }

    @Test
    void emptyClustersPickNothing() {
        assertThat(new RoundRobinBalancer(List.of()).pick(new SplittableRandom(1))).isNull();
        assertThat(new LeastRequestBalancer(List.of()).pick(new SplittableRandom(1))).isNull();
    }

    @Test
    void leastRequestAvoidsBusyHosts() {
        UpstreamHost idle = host(1, 1);
        UpstreamHost busy = host(2, 1);
        for (int i = 0; i < 10; i++) {
            busy.requestStarted();
        }
        LeastRequestBalancer balancer = new LeastRequestBalancer(List.of(idle, busy));
        SplittableRandom random = new SplittableRandom(7);
        Map<UpstreamHost, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            counts.merge(balancer.pick(random), 1, Integer::sum);
        }
        // busy is chosen only when both draws land on it: a quarter of the time
        assertThat(counts.get(busy) / 10_000.0).isCloseTo(0.25, within(0.02));
        assertThat(counts.get(idle) / 10_000.0).isCloseTo(0.75, within(0.02));
    }

    @Test
    void leastRequestRespectsWeightsWhenIdle() {
        UpstreamHost heavy = host(1, 3);
        UpstreamHost light = host(2, 1);
        LeastRequestBalancer balancer = new LeastRequestBalancer(List.of(heavy, light));
        SplittableRandom random = new SplittableRandom(3);
        Map<UpstreamHost, Integer> counts = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            counts.merge(balancer.pick(random), 1, Integer::sum);
        }
        // both idle: the heavier host wins every mixed draw (1/4 load per weight vs 1/1); light only when drawn twice
        assertThat(counts.get(light) / 20_000.0).isCloseTo(1 / 16.0, within(0.01));
    }

    @Test
    void clustersKeepStateAcrossEqualSnapshots() {
        var spec = new ClusterSpec("c", LbPolicy.ROUND_ROBIN,
                UpstreamProtocol.HTTP1, Duration.ofSeconds(1), false);
        Endpoint e1 = new Endpoint(new InetSocketAddress("127.0.0.1", 1));
        Endpoint e2 = new Endpoint(new InetSocketAddress("127.0.0.1", 2));
        var first = new ProxyConfigSnapshot("1", List.of(), Map.of(), Map.of("c", spec),
                Map.of("c", new EndpointSet("c", List.of(e1))));
        var second = new ProxyConfigSnapshot("2", List.of(), Map.of(), Map.of("c", spec),
                Map.of("c", new EndpointSet("c", List.of(e1))));
        var third = new ProxyConfigSnapshot("3", List.of(), Map.of(), Map.of("c", spec),
                Map.of("c", new EndpointSet("c", List.of(e1, e2))));
        UpstreamClusters one = UpstreamClusters.build(first, UpstreamClusters.empty(), 2);
        UpstreamClusters two = UpstreamClusters.build(second, one, 2);
        UpstreamClusters three = UpstreamClusters.build(third, two, 2);
        assertThat(two.get("c")).isSameAs(one.get("c"));
        assertThat(three.get("c")).isNotSameAs(two.get("c"));
        assertThat(three.get("c").hosts().get(0)).isSameAs(one.get("c").hosts().get(0));
        assertThat(three.get("c").hosts()).hasSize(2);
    }
}
