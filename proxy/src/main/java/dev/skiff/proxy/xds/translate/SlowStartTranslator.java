package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.model.SlowStartSpec;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;

import java.time.Duration;
import java.util.Set;

/**
 * The {@code slow_start_config} of a cluster's {@code round_robin_lb_config} or {@code least_request_lb_config}, as
 * Istio writes it for a DestinationRule's {@code warmup}: the window, the aggression's default value (its runtime
 * key names nothing the proxy reads) and the minimum weight percent, Envoy's defaults (1.0 and 10 %) for what is
 * unset.
 */
final class SlowStartTranslator {
    static final Set<String> CLUSTER_FIELDS = Set.of("round_robin_lb_config", "least_request_lb_config");

    private static final Set<String> LB_CONFIG_FIELDS = Set.of("slow_start_config");
    private static final Set<String> SLOW_START_FIELDS = Set.of("slow_start_window", "aggression",
            "min_weight_percent");
    private static final Set<String> RUNTIME_DOUBLE_FIELDS = Set.of("default_value");
    private static final Set<String> RUNTIME_KEY = Set.of("runtime_key");

    private SlowStartTranslator() {
    }

    /** The cluster's slow start, or null when it has none. */
    static SlowStartSpec translate(Cluster cluster, String where) throws TranslationException {
        return switch (cluster.getLbConfigCase()) {
            case ROUND_ROBIN_LB_CONFIG -> {
                String at = where + ": round_robin_lb_config";
                Messages.requireOnly(cluster.getRoundRobinLbConfig(), at, LB_CONFIG_FIELDS, Set.of());
                yield slowStart(cluster.getRoundRobinLbConfig().hasSlowStartConfig(),
                        cluster.getRoundRobinLbConfig().getSlowStartConfig(), at);
            }
            case LEAST_REQUEST_LB_CONFIG -> {
                String at = where + ": least_request_lb_config";
                Messages.requireOnly(cluster.getLeastRequestLbConfig(), at, LB_CONFIG_FIELDS, Set.of());
                yield slowStart(cluster.getLeastRequestLbConfig().hasSlowStartConfig(),
                        cluster.getLeastRequestLbConfig().getSlowStartConfig(), at);
            }
            default -> null;
        };
    }

    private static SlowStartSpec slowStart(boolean present, Cluster.SlowStartConfig config, String where)
            throws TranslationException {
        if (!present) {
            return null;
        }
        String at = where + ": slow_start_config";
        Messages.requireOnly(config, at, SLOW_START_FIELDS, Set.of());
        if (!config.hasSlowStartWindow()) {
            throw new TranslationException(at + ": slow_start_window missing (expected: a window > 0)");
        }
        Duration window = Durations.of(config.getSlowStartWindow(), at + ": slow_start_window");
        double aggression = SlowStartSpec.DEFAULT_AGGRESSION;
        if (config.hasAggression()) {
            Messages.requireOnly(config.getAggression(), at + ": aggression", RUNTIME_DOUBLE_FIELDS, RUNTIME_KEY);
            aggression = config.getAggression().getDefaultValue();
        }
        double minWeight = config.hasMinWeightPercent() ? config.getMinWeightPercent().getValue()
                : SlowStartSpec.DEFAULT_MIN_WEIGHT_PERCENT;
        double chosenAggression = aggression;
        return Messages.build(at, () -> new SlowStartSpec(window, chosenAggression, minWeight));
    }
}
