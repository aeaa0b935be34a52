package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ClusterPolicy;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.OutlierDetectionSpec;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Priority levels with Envoy's overprovisioning spill-over, panic, and locality-weighted levels. */
class PriorityBalancerTest {

    private static final int DRAWS = 100_000;
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SplittableRandom random = new SplittableRandom(7);

    private static UpstreamHost host(int last, String locality, int priority, int localityWeight) {
        return new UpstreamHost(new Endpoint(new InetSocketAddress("127.0.56." + last, 80), 1, locality, Map.of(),
                priority, localityWeight));
    }

    /** One 5xx ejects, for three minutes, and every host may be ejected. */
    private OutlierDetector detector(List<UpstreamHost> hosts) {
        return new OutlierDetector(new OutlierDetectionSpec(1, 100, 5, 0, false, 5, 100, Duration.ofSeconds(1),
                Duration.ofMinutes(3), Duration.ofMinutes(5), 100), hosts, now::get);
    }

    private static void eject(OutlierDetector detector, UpstreamHost host) {
        detector.report(host, OutlierResult.HTTP_RESPONSE, 500);
        assertThat(detector.isEjected(host)).isTrue();
    }

    private static ClusterPolicy policy(double panicThreshold, boolean localityWeighted) {
        ClusterPolicy defaults = ClusterPolicy.DEFAULT;
        return new ClusterPolicy(defaults.circuitBreakers(), defaults.connectionPool(), null, panicThreshold,
                defaults.hashLb(), localityWeighted);
    }

    private Map<UpstreamHost, Integer> counts(LoadBalancer balancer) {
        Map<UpstreamHost, Integer> counts = new HashMap<>();
        for (int i = 0; i < DRAWS; i++) {
            counts.merge(balancer.pick(random), 1, Integer::sum);
        }
        return counts;
    }

    private static double share(Map<UpstreamHost, Integer> counts, List<UpstreamHost> hosts) {
        int sum = 0;
        for (UpstreamHost host : hosts) {
            sum += counts.getOrDefault(host, 0);
        }
        return sum / (double) DRAWS;
    }

    @Test
    void theFirstLevelKeepsEverythingUntilItsOverprovisionedHealthDrops() {
        List<UpstreamHost> zone1 = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            zone1.add(host(10 + i, "region1/zone1/", 0, 0));
        }
        List<UpstreamHost> zone2 = List.of(host(30, "region1/zone2/", 1, 0), host(31, "region1/zone2/", 1, 0));
        List<UpstreamHost> all = new ArrayList<>(zone1);
        all.addAll(zone2);
        OutlierDetector detector = detector(all);
        PriorityBalancer balancer = new PriorityBalancer(all, RoundRobinBalancer::new, detector,
                policy(50, false));

        assertThat(share(counts(balancer), zone2)).isZero();

        eject(detector, zone1.get(0));
        eject(detector, zone1.get(1));
        eject(detector, zone1.get(2));
        assertThat(share(counts(balancer), zone2)).as("7 of 10 healthy: 98 %% stays").isCloseTo(0.02, within(0.005));

        for (int i = 3; i < 5; i++) {
            eject(detector, zone1.get(i));
        }
        Map<UpstreamHost, Integer> half = counts(balancer);
        assertThat(share(half, zone2)).as("5 of 10 healthy: 70 %% stays").isCloseTo(0.30, within(0.01));
        assertThat(half).doesNotContainKeys(zone1.subList(0, 5).toArray(UpstreamHost[]::new));

        for (int i = 5; i < 10; i++) {
            eject(detector, zone1.get(i));
        }
        assertThat(share(counts(balancer), zone2)).isEqualTo(1.0);
    }

    @Test
    void healthBelowOneHundredOverallSharesByHealthAndPanicsLevelsUnderTheThreshold() {
        UpstreamHost first = host(10, "a", 0, 0);
        UpstreamHost second = host(11, "b", 1, 0);
        List<UpstreamHost> all = List.of(first, second);
        OutlierDetector detector = detector(all);
        PriorityBalancer balancer = new PriorityBalancer(all, RoundRobinBalancer::new, detector, policy(50, false));

        eject(detector, first);
        eject(detector, second);
        assertThat(counts(balancer)).as("nothing healthy: level 0 in panic").containsOnlyKeys(first);

        PriorityBalancer noPanic = new PriorityBalancer(all, RoundRobinBalancer::new, detector, policy(0, false));
        assertThat(noPanic.pick(random)).isNull();
    }

    @Test
    void localityWeightsSplitALevelAndFollowTheLocalitiesHealth() {
        List<UpstreamHost> zone1 = List.of(host(10, "region1/zone1/", 0, 80), host(11, "region1/zone1/", 0, 80));
        List<UpstreamHost> zone2 = List.of(host(20, "region1/zone2/", 0, 20));
        List<UpstreamHost> unweighted = List.of(host(30, "region2/zone1/", 0, 0));
        List<UpstreamHost> all = new ArrayList<>(zone1);
        all.addAll(zone2);
        all.addAll(unweighted);
        OutlierDetector detector = detector(all);
        PriorityBalancer balancer = new PriorityBalancer(all, RoundRobinBalancer::new, detector, policy(50, true));

        Map<UpstreamHost, Integer> counts = counts(balancer);
        assertThat(share(counts, zone1)).isEqualTo(0.8);
        assertThat(share(counts, zone2)).isEqualTo(0.2);
        assertThat(counts).doesNotContainKeys(unweighted.getFirst());

        eject(detector, zone1.getFirst());
        Map<UpstreamHost, Integer> degraded = counts(balancer);
        assertThat(share(degraded, zone1)).as("zone1 at 70 %% health: 56 against 20")
                .isCloseTo(56.0 / 76, within(0.001));
        assertThat(degraded).doesNotContainKeys(zone1.getFirst());
    }

    @Test
    void hashedRequestsKeepTheirHostAndLocalitiesKeepTheirShares() {
        List<UpstreamHost> zone1 = List.of(host(10, "region1/zone1/", 0, 80));
        List<UpstreamHost> zone2 = List.of(host(20, "region1/zone2/", 0, 20));
        List<UpstreamHost> all = new ArrayList<>(zone1);
        all.addAll(zone2);
        PriorityBalancer balancer = new PriorityBalancer(all, RoundRobinBalancer::new, null, policy(0, true));

        Map<UpstreamHost, Integer> counts = new HashMap<>();
        for (long hash = 0; hash < 1000; hash++) {
            UpstreamHost first = balancer.pick(hash * 0x9E3779B97F4A7C15L, random);
            assertThat(balancer.pick(hash * 0x9E3779B97F4A7C15L, random)).isSameAs(first);
            counts.merge(first, 1, Integer::sum);
        }
        assertThat(counts.get(zone1.getFirst()) / 1000.0).isCloseTo(0.8, within(0.05));
    }

    @Test
    void onlyClustersWithSeveralLevelsOrLocalityWeightsNeedIt() {
        List<UpstreamHost> flat = List.of(host(10, "a", 0, 5), host(11, "b", 0, 5));
        assertThat(PriorityBalancer.needed(flat, policy(50, false))).isFalse();
        assertThat(PriorityBalancer.needed(flat, policy(50, true))).isTrue();
        assertThat(PriorityBalancer.needed(List.of(host(10, "a", 0, 0), host(11, "b", 1, 0)), policy(50, false)))
                .isTrue();
        assertThat(new PriorityBalancer(List.of(), RoundRobinBalancer::new, null, policy(50, true)).pick(random))
                .as("a locality-weighted cluster without endpoints").isNull();
    }
}
