package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.Endpoint;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class HashBalancersTest {

    private static UpstreamHost host(int last, int weight) {
        return new UpstreamHost(new Endpoint(new InetSocketAddress("127.0.42." + last, 8000), weight, ""));
    }

    private static List<UpstreamHost> hosts(int count) {
        List<UpstreamHost> hosts = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            hosts.add(host(i, 1));
        }
        return hosts;
    }

    @Test
    void xxHash64MatchesTheReferenceVectors() {
        assertThat(HashKeys.xxHash64(new byte[0], 0)).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(HashKeys.hash("abc")).isEqualTo(0x44BC2CF5AD770999L);
        byte[] long40 = "0123456789012345678901234567890123456789".getBytes(StandardCharsets.UTF_8);
        assertThat(HashKeys.xxHash64(long40, 0)).as("a 32-byte stripe path is stable")
                .isEqualTo(HashKeys.xxHash64(long40.clone(), 0));
    }

    @Test
    void theSameKeyAlwaysReachesTheSameHostOnEveryBuildOfTheRing() {
        List<UpstreamHost> hosts = hosts(3);
        RingHashBalancer ring = new RingHashBalancer(hosts, 1024, 8 * 1024 * 1024);
        RingHashBalancer rebuilt = new RingHashBalancer(List.copyOf(hosts), 1024, 8 * 1024 * 1024);
        MaglevBalancer maglev = new MaglevBalancer(hosts, 65537);
        MaglevBalancer maglevRebuilt = new MaglevBalancer(List.copyOf(hosts), 65537);
        SplittableRandom random = new SplittableRandom(3);

        for (int user = 0; user < 200; user++) {
            long hash = HashKeys.hash("user-" + user);
            UpstreamHost picked = ring.pick(hash, random);
            for (int again = 0; again < 3; again++) {
                assertThat(ring.pick(hash, random)).isSameAs(picked);
            }
            assertThat(rebuilt.pick(hash, random)).isSameAs(picked);
            assertThat(maglevRebuilt.pick(hash, random)).isSameAs(maglev.pick(hash, random));
        }
        assertThat(ring.size()).isBetween(1024, 1024 + 3);
    }

    @Test
    void ringSpreadsKeysInProportionToWeight() {
        List<UpstreamHost> hosts = List.of(host(1, 1), host(2, 1), host(3, 2));
        RingHashBalancer ring = new RingHashBalancer(hosts, 4096, 8 * 1024 * 1024);
        Map<UpstreamHost, Integer> counts = count(ring, 40_000);

        assertThat(counts.get(hosts.get(0)) / 40_000.0).isCloseTo(0.25, within(0.05));
        assertThat(counts.get(hosts.get(1)) / 40_000.0).isCloseTo(0.25, within(0.05));
        assertThat(counts.get(hosts.get(2)) / 40_000.0).isCloseTo(0.50, within(0.05));
    }

    @Test
    void maglevFillsItsTableInProportionToWeightAndMovesFewKeysWhenAHostGoes() {
        List<UpstreamHost> hosts = List.of(host(1, 1), host(2, 1), host(3, 2));
        MaglevBalancer maglev = new MaglevBalancer(hosts, 65537);
        Map<UpstreamHost, Integer> counts = count(maglev, 40_000);

        assertThat(counts.get(hosts.get(0)) / 40_000.0).isCloseTo(0.25, within(0.02));
        assertThat(counts.get(hosts.get(2)) / 40_000.0).isCloseTo(0.50, within(0.02));

        List<UpstreamHost> five = hosts(5);
        MaglevBalancer before = new MaglevBalancer(five, 65537);
        MaglevBalancer after = new MaglevBalancer(five.subList(0, 4), 65537);
        int moved = 0;
        int keys = 10_000;
        for (int i = 0; i < keys; i++) {
            long hash = HashKeys.hash("key-" + i);
            UpstreamHost was = before.pick(hash, null);
            if (was != five.get(4) && after.pick(hash, null) != was) {
                moved++;
            }
        }
        assertThat(moved / (double) keys).as("keys of the remaining hosts that moved").isLessThan(0.05);
    }

    @Test
    void emptyClustersHaveNoHost() {
        assertThat(new RingHashBalancer(List.of(), 1024, 2048).pick(1L, new SplittableRandom(1))).isNull();
        assertThat(new MaglevBalancer(List.of(), 65537).pick(1L, new SplittableRandom(1))).isNull();
        assertThat(new RandomBalancer(List.of()).pick(new SplittableRandom(1))).isNull();
    }

    @Test
    void randomFollowsTheWeights() {
        List<UpstreamHost> hosts = List.of(host(1, 3), host(2, 1));
        RandomBalancer balancer = new RandomBalancer(hosts);
        SplittableRandom random = new SplittableRandom(9);
        int first = 0;
        for (int i = 0; i < 20_000; i++) {
            if (balancer.pick(random) == hosts.get(0)) {
                first++;
            }
        }
        assertThat(first / 20_000.0).isCloseTo(0.75, within(0.02));
    }

    private static Map<UpstreamHost, Integer> count(LoadBalancer balancer, int keys) {
        Map<UpstreamHost, Integer> counts = new HashMap<>();
        for (int i = 0; i < keys; i++) {
            counts.merge(balancer.pick(HashKeys.hash("key-" + i), null), 1, Integer::sum);
        }
        return counts;
    }
}
