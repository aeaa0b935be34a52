package dev.skiff.controlplane.xds.warmup;

import dev.skiff.api.networking.v1alpha3.LoadBalancerSettings;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.api.networking.v1alpha3.WarmupConfiguration;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * A DestinationRule's {@code loadBalancer.warmup} (or the deprecated {@code warmupDurationSecs}) as Istio writes
 * it: the {@code slow_start_config} of a ROUND_ROBIN cluster's {@code round_robin_lb_config} or a LEAST_REQUEST
 * cluster's {@code least_request_lb_config}. {@code warmup} sets the window, the aggression (1.0 when unset) and the
 * minimum weight percent (10 when unset); {@code warmupDurationSecs} sets the window only. Other balancers have no
 * slow start.
 */
public final class WarmupGenerator {
    static final double DEFAULT_AGGRESSION = 1.0;
    static final double DEFAULT_MINIMUM_PERCENT = 10;
    /** Istio's runtime key for the aggression: a placeholder, the value is fixed and no runtime overrides it. */
    static final String AGGRESSION_RUNTIME_KEY = "(";

    private WarmupGenerator() {
    }

    /** Adds the slow start of the policy's warmup to a cluster whose balancer is already set. */
    public static void apply(Cluster.Builder cluster, TrafficPolicy policy) {
        LoadBalancerSettings settings = policy.getLoadBalancer();
        if (!settings.hasWarmup() && !settings.hasWarmupDurationSecs()) {
            return;
        }
        Cluster.SlowStartConfig slowStart = settings.hasWarmup() ? warmup(settings.getWarmup())
                : Cluster.SlowStartConfig.newBuilder().setSlowStartWindow(settings.getWarmupDurationSecs()).build();
        switch (cluster.getLbPolicy()) {
            case ROUND_ROBIN -> cluster.setRoundRobinLbConfig(Cluster.RoundRobinLbConfig.newBuilder()
                    .setSlowStartConfig(slowStart));
            case LEAST_REQUEST -> cluster.setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder()
                    .setSlowStartConfig(slowStart));
            default -> {
            }
        }
    }

    private static Cluster.SlowStartConfig warmup(WarmupConfiguration warmup) {
        return Cluster.SlowStartConfig.newBuilder()
                .setSlowStartWindow(warmup.getDuration())
                .setAggression(RuntimeDouble.newBuilder()
                        .setDefaultValue(warmup.hasAggression() ? warmup.getAggression().getValue()
                                : DEFAULT_AGGRESSION)
                        .setRuntimeKey(AGGRESSION_RUNTIME_KEY))
                .setMinWeightPercent(Percent.newBuilder().setValue(warmup.hasMinimumPercent()
                        ? warmup.getMinimumPercent().getValue() : DEFAULT_MINIMUM_PERCENT))
                .build();
    }
}
