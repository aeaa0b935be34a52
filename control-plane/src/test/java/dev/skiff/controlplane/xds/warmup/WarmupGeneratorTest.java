package dev.skiff.controlplane.xds.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DoubleValue;
import com.google.protobuf.Duration;
import dev.skiff.api.networking.v1alpha3.LoadBalancerSettings;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.api.networking.v1alpha3.WarmupConfiguration;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.type.v3.Percent;
import org.junit.jupiter.api.Test;

/** DestinationRule warmup as Istio writes it: slow start on round-robin and least-request clusters only. */
class WarmupGeneratorTest {
    private static final Duration MINUTE = Duration.newBuilder().setSeconds(60).build();

    private static Cluster apply(Cluster.LbPolicy lbPolicy, LoadBalancerSettings settings) {
        Cluster.Builder cluster = Cluster.newBuilder().setName("c").setLbPolicy(lbPolicy);
        WarmupGenerator.apply(cluster, TrafficPolicy.newBuilder().setLoadBalancer(settings).build());
        return cluster.build();
    }

    @Test
    void warmupGivesWindowAggressionAndMinimumPercentWithIstiosDefaults() {
        Cluster cluster = apply(Cluster.LbPolicy.ROUND_ROBIN, LoadBalancerSettings.newBuilder()
                .setWarmup(WarmupConfiguration.newBuilder().setDuration(MINUTE)).build());

        assertThat(cluster.getRoundRobinLbConfig().getSlowStartConfig()).isEqualTo(Cluster.SlowStartConfig.newBuilder()
                .setSlowStartWindow(MINUTE)
                .setAggression(RuntimeDouble.newBuilder().setDefaultValue(1.0).setRuntimeKey("("))
                .setMinWeightPercent(Percent.newBuilder().setValue(10))
                .build());

        Cluster leastRequest = apply(Cluster.LbPolicy.LEAST_REQUEST, LoadBalancerSettings.newBuilder()
                .setWarmup(WarmupConfiguration.newBuilder().setDuration(MINUTE)
                        .setAggression(DoubleValue.of(2)).setMinimumPercent(DoubleValue.of(30))).build());
        assertThat(leastRequest.getLeastRequestLbConfig().getSlowStartConfig().getAggression().getDefaultValue())
                .isEqualTo(2.0);
        assertThat(leastRequest.getLeastRequestLbConfig().getSlowStartConfig().getMinWeightPercent().getValue())
                .isEqualTo(30.0);
    }

    @Test
    @SuppressWarnings("deprecation")
    void warmupDurationSecsSetsTheWindowOnlyAndOtherBalancersGetNothing() {
        LoadBalancerSettings settings = LoadBalancerSettings.newBuilder().setWarmupDurationSecs(MINUTE).build();

        assertThat(apply(Cluster.LbPolicy.LEAST_REQUEST, settings).getLeastRequestLbConfig().getSlowStartConfig())
                .isEqualTo(Cluster.SlowStartConfig.newBuilder().setSlowStartWindow(MINUTE).build());
        assertThat(apply(Cluster.LbPolicy.RANDOM, settings).getLbConfigCase())
                .isEqualTo(Cluster.LbConfigCase.LBCONFIG_NOT_SET);
        assertThat(apply(Cluster.LbPolicy.ROUND_ROBIN, LoadBalancerSettings.getDefaultInstance()).getLbConfigCase())
                .isEqualTo(Cluster.LbConfigCase.LBCONFIG_NOT_SET);
    }
}
