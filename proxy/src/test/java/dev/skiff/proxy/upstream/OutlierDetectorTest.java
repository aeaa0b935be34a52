package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ClusterPolicy;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.ConnectionPoolSpec;
import dev.skiff.proxy.model.CircuitBreakerSpec;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.OutlierDetectionSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.UpstreamProtocol;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class OutlierDetectorTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<UpstreamHost> hosts = List.of(host(1), host(2), host(3), host(4));

    private static UpstreamHost host(int port) {
        return new UpstreamHost(new Endpoint(new InetSocketAddress("127.0.0.1", port)));
    }

    /** Istio's circuit-breaking task: one 5xx ejects, 1 s sweeps, 3 minutes out, every host may go. */
    private static OutlierDetectionSpec spec(int consecutive5xx, int maxEjectionPercent, boolean split) {
        return new OutlierDetectionSpec(consecutive5xx, 100, 5, 0, split, 2, 100, Duration.ofSeconds(1),
                Duration.ofMinutes(3), Duration.ofMinutes(5), maxEjectionPercent);
    }

    private void advance(Duration duration) {
        now.addAndGet(duration.toNanos());
    }

    @Test
    void consecutive5xxEjectUntilTheTimeIsUpThenTheSweepBringsTheHostBack() {
        OutlierDetector detector = new OutlierDetector(spec(3, 100, false), hosts, now::get);
        UpstreamHost bad = hosts.getFirst();

        detector.report(bad, OutlierResult.HTTP_RESPONSE, 500);
        detector.report(bad, OutlierResult.HTTP_RESPONSE, 503);
        detector.report(bad, OutlierResult.HTTP_RESPONSE, 200);
        detector.report(bad, OutlierResult.HTTP_RESPONSE, 500);
        detector.report(bad, OutlierResult.HTTP_RESPONSE, 500);
        assertThat(detector.isEjected(bad)).isFalse();
        detector.report(bad, OutlierResult.HTTP_RESPONSE, 500);
        assertThat(detector.isEjected(bad)).isTrue();
        assertThat(detector.ejectedCount()).isEqualTo(1);

        advance(Duration.ofSeconds(179));
        assertThat(detector.sweepIfDue()).isTrue();
        assertThat(detector.isEjected(bad)).isTrue();
        advance(Duration.ofSeconds(1));
        detector.sweep();
        assertThat(detector.isEjected(bad)).isFalse();
        assertThat(detector.ejectedCount()).isZero();
    }

    @Test
    void ejectionTimeGrowsWithEachEjectionUpToTheMaximum() {
        OutlierDetector detector = new OutlierDetector(spec(1, 100, false), hosts, now::get);
        UpstreamHost bad = hosts.getFirst();

        detector.report(bad, OutlierResult.HTTP_RESPONSE, 500);
        advance(Duration.ofMinutes(3));
        detector.sweep();
        assertThat(detector.isEjected(bad)).isFalse();

        detector.report(bad, OutlierResult.HTTP_RESPONSE, 500);
        assertThat(detector.ejectionMultiplier(bad)).isEqualTo(2);
        advance(Duration.ofMinutes(5).minusSeconds(1));
        detector.sweep();
        assertThat(detector.isEjected(bad)).as("twice the base time, capped at 5 minutes").isTrue();
        advance(Duration.ofSeconds(1));
        detector.sweep();
        assertThat(detector.isEjected(bad)).isFalse();

        detector.sweep();
        assertThat(detector.ejectionMultiplier(bad)).as("lowered by each sweep the host stays in").isEqualTo(1);
    }

    @Test
    void sweepsRunOnlyEveryInterval() {
        OutlierDetector detector = new OutlierDetector(spec(1, 100, false), hosts, now::get);

        assertThat(detector.sweepIfDue()).isFalse();
        advance(Duration.ofMillis(999));
        assertThat(detector.sweepIfDue()).isFalse();
        advance(Duration.ofMillis(1));
        assertThat(detector.sweepIfDue()).isTrue();
        assertThat(detector.sweepIfDue()).isFalse();
    }

    @Test
    void maxEjectionPercentLimitsHowManyHostsGo() {
        OutlierDetector detector = new OutlierDetector(spec(1, 50, false), hosts, now::get);

        for (UpstreamHost host : hosts) {
            detector.report(host, OutlierResult.HTTP_RESPONSE, 500);
        }

        assertThat(detector.ejectedCount()).isEqualTo(2);
        assertThat(hosts.stream().filter(detector::isEjected).count()).isEqualTo(2);
    }

    @Test
    void envoysDefaultTenPercentEjectsNoneOfFewHosts() {
        OutlierDetector detector = new OutlierDetector(spec(1, 10, false), hosts, now::get);

        detector.report(hosts.getFirst(), OutlierResult.HTTP_RESPONSE, 500);

        assertThat(detector.ejectedCount()).isZero();
    }

    @Test
    void gatewayFailuresCountOnlyWhenEnforced() {
        OutlierDetectionSpec gatewayOnly = new OutlierDetectionSpec(0, 100, 2, 100, false, 5, 100,
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(5), 100);
        OutlierDetector detector = new OutlierDetector(gatewayOnly, hosts, now::get);
        UpstreamHost host = hosts.getFirst();

        detector.report(host, OutlierResult.HTTP_RESPONSE, 500);
        detector.report(host, OutlierResult.HTTP_RESPONSE, 502);
        assertThat(detector.isEjected(host)).isFalse();
        detector.report(host, OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED, 0);
        assertThat(detector.isEjected(host)).as("a connect failure is a 503 unless split").isTrue();
    }

    @Test
    void splitModeCountsLocalOriginFailuresApart() {
        OutlierDetector detector = new OutlierDetector(spec(1, 100, true), hosts, now::get);
        UpstreamHost host = hosts.getFirst();

        detector.report(host, OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED, 0);
        assertThat(detector.isEjected(host)).as("no 5xx for a local failure when split").isFalse();
        detector.report(host, OutlierResult.HTTP_RESPONSE, 404);
        detector.report(host, OutlierResult.LOCAL_ORIGIN_TIMEOUT, 0);
        assertThat(detector.isEjected(host)).as("an answer resets the local-origin count").isFalse();
        detector.report(host, OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED, 0);
        assertThat(detector.isEjected(host)).isTrue();
    }

    @Test
    void balancersSkipEjectedHostsUnlessInPanic() {
        OutlierDetectionSpec outlier = spec(1, 100, false);
        ClusterRuntime cluster = new ClusterRuntime(new ClusterSpec("c", LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP1,
                Duration.ofSeconds(1), false, new ClusterPolicy(CircuitBreakerSpec.ENVOY_DEFAULTS, ConnectionPoolSpec.DEFAULT, outlier, 50)),
                hosts, 1, now::get, null);
        OutlierDetector detector = cluster.traffic().outlierDetector();
        SplittableRandom random = new SplittableRandom(1);

        detector.report(hosts.get(0), OutlierResult.HTTP_RESPONSE, 503);
        detector.report(hosts.get(1), OutlierResult.HTTP_RESPONSE, 503);
        Set<UpstreamHost> picked = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            picked.add(cluster.balancer(0).pick(random));
        }
        assertThat(picked).containsExactlyInAnyOrder(hosts.get(2), hosts.get(3));

        detector.report(hosts.get(2), OutlierResult.HTTP_RESPONSE, 503);
        picked.clear();
        for (int i = 0; i < 40; i++) {
            picked.add(cluster.balancer(0).pick(random));
        }
        assertThat(picked).as("below the 50 %% panic threshold every host is used").containsAll(hosts);

        advance(Duration.ofMinutes(3));
        detector.sweep();
        picked.clear();
        for (int i = 0; i < 40; i++) {
            picked.add(cluster.balancer(0).pick(random));
        }
        assertThat(picked).containsAll(hosts);
    }

    @Test
    void ejectionsAndBreakerCountsSurviveAnEndpointUpdate() {
        ClusterSpec spec = new ClusterSpec("c", LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP1, Duration.ofSeconds(1),
                false, new ClusterPolicy(CircuitBreakerSpec.ENVOY_DEFAULTS, ConnectionPoolSpec.DEFAULT,
                spec(1, 100, false), 0));
        Endpoint a = new Endpoint(new InetSocketAddress("127.0.0.1", 1));
        Endpoint b = new Endpoint(new InetSocketAddress("127.0.0.1", 2));
        Endpoint c = new Endpoint(new InetSocketAddress("127.0.0.1", 3));
        UpstreamClusters first = UpstreamClusters.build(new ProxyConfigSnapshot("1", List.of(), Map.of(),
                Map.of("c", spec), Map.of("c", new EndpointSet("c", List.of(a, b)))), UpstreamClusters.empty(), 1);
        ClusterRuntime before = first.get("c");
        before.traffic().outlierDetector().report(before.hosts().getFirst(), OutlierResult.HTTP_RESPONSE, 500);
        assertThat(before.traffic().circuitBreaker().tryAcquireRequest()).isTrue();

        UpstreamClusters second = UpstreamClusters.build(new ProxyConfigSnapshot("2", List.of(), Map.of(),
                Map.of("c", spec), Map.of("c", new EndpointSet("c", List.of(a, b, c)))), first, 1);
        ClusterRuntime after = second.get("c");

        assertThat(after).isNotSameAs(before);
        OutlierDetector detector = after.traffic().outlierDetector();
        assertThat(detector.isEjected(after.hosts().getFirst())).isTrue();
        assertThat(detector.ejectedCount()).isEqualTo(1);
        assertThat(detector.isEjected(after.hosts().get(2))).isFalse();
        assertThat(after.traffic().circuitBreaker().activeRequests()).isEqualTo(1);
    }

    @Test
    void withoutAPanicThresholdAnAllEjectedClusterHasNoHost() {
        List<UpstreamHost> two = hosts.subList(0, 2);
        ClusterRuntime cluster = new ClusterRuntime(new ClusterSpec("c", LbPolicy.LEAST_REQUEST,
                UpstreamProtocol.HTTP1, Duration.ofSeconds(1), false, new ClusterPolicy(CircuitBreakerSpec.ENVOY_DEFAULTS, ConnectionPoolSpec.DEFAULT,
                        spec(1, 100, false), 0)), two, 1, now::get, null);
        OutlierDetector detector = cluster.traffic().outlierDetector();

        detector.report(two.get(0), OutlierResult.HTTP_RESPONSE, 500);
        assertThat(cluster.balancer(0).pick(new SplittableRandom(2))).isSameAs(two.get(1));
        detector.report(two.get(1), OutlierResult.HTTP_RESPONSE, 500);
        assertThat(cluster.balancer(0).pick(new SplittableRandom(2))).isNull();
    }
}
