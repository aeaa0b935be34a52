package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.SlowStartSpec;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Envoy's slow start on round robin and least request, with a clock the test moves. */
class SlowStartBalancerTest {

    private static final long START = 1_000_000_000_000L;
    private final AtomicLong now = new AtomicLong(START);
    private final SplittableRandom random = new SplittableRandom(11);
    private final UpstreamHost old = host(1, START - Duration.ofMinutes(5).toNanos());
    private final UpstreamHost fresh = host(2, START);

    private static UpstreamHost host(int port, long createdNanos) {
        return new UpstreamHost(new Endpoint(new InetSocketAddress("127.0.56.10", port)), createdNanos);
    }

    private void advance(Duration duration) {
        now.addAndGet(duration.toNanos());
    }

    private double freshShare(LoadBalancer balancer, int picks) {
        Map<UpstreamHost, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(balancer.pick(random), 1, Integer::sum);
        }
        return counts.getOrDefault(fresh, 0) / (double) picks;
    }

    @Test
    void aNewHostRampsUpLinearlyFromTheMinimumWeightOverTheWindow() {
        SlowStartBalancer balancer = new SlowStartBalancer(List.of(old, fresh), LbPolicy.ROUND_ROBIN,
                new SlowStartSpec(Duration.ofSeconds(10), 1.0, 10), now::get);

        assertThat(freshShare(balancer, 1100)).as("10 %% of its weight").isCloseTo(100.0 / 1100, within(0.002));
        advance(Duration.ofSeconds(5));
        assertThat(freshShare(balancer, 1500)).as("half its weight").isCloseTo(500.0 / 1500, within(0.002));
        advance(Duration.ofSeconds(5));
        assertThat(freshShare(balancer, 1000)).as("warm").isEqualTo(0.5);
    }

    @Test
    void aggressionBendsTheRampAndLeastRequestFollowsTheWeightsToo() {
        SlowStartBalancer balancer = new SlowStartBalancer(List.of(old, fresh), LbPolicy.LEAST_REQUEST,
                new SlowStartSpec(Duration.ofSeconds(10), 2.0, 0), now::get);

        advance(Duration.ofMillis(2500));
        assertThat(freshShare(balancer, 100_000))
                .as("(0.25)^(1/2): half its weight, drawn a third of the time, taken only when both draws are it")
                .isCloseTo(1.0 / 9, within(0.01));
        advance(Duration.ofSeconds(10));
        assertThat(freshShare(balancer, 100_000)).as("warm").isCloseTo(0.5, within(0.01));
    }

    @Test
    void factorFollowsEnvoysFormula() {
        SlowStartSpec spec = new SlowStartSpec(Duration.ofSeconds(60), 1.0, SlowStartSpec.DEFAULT_MIN_WEIGHT_PERCENT);
        assertThat(spec.factor(0)).isEqualTo(0.1);
        assertThat(spec.factor(Duration.ofSeconds(30).toNanos())).isEqualTo(0.5);
        assertThat(spec.factor(Duration.ofSeconds(60).toNanos())).isEqualTo(1.0);
    }
}
