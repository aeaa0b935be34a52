package dev.skiff.proxy.xds.translate;

import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.model.CircuitBreakerSpec;
import dev.skiff.proxy.model.ClusterPolicy;
import dev.skiff.proxy.model.ConnectionPoolSpec;
import dev.skiff.proxy.model.HashLbSpec;
import dev.skiff.proxy.model.OutlierDetectionSpec;
import dev.skiff.proxy.model.SlowStartSpec;
import dev.skiff.proxy.model.TcpKeepaliveSpec;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.cluster.v3.UpstreamConnectionOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;

import java.time.Duration;
import java.util.Set;

/**
 * The traffic policy fields of a {@code Cluster} as Istio sets them for a DestinationRule's {@code connectionPool}
 * and {@code outlierDetection}: {@code circuit_breakers}, {@code upstream_connection_options},
 * {@code outlier_detection}, {@code common_lb_config.healthy_panic_threshold} and
 * {@code locality_weighted_lb_config} (for a DestinationRule's locality {@code distribute}), the slow start of
 * {@code round_robin_lb_config} and {@code least_request_lb_config} ({@link SlowStartTranslator}), and the
 * {@code common_http_protocol_options} of the cluster's HTTP protocol options. Envoy's defaults apply to what is
 * absent; success-rate detection is not supported and must be disabled (enforcing 0), as Istio always does.
 */
final class ClusterPolicyTranslator {

    static final Set<String> CLUSTER_FIELDS = Set.of("circuit_breakers", "upstream_connection_options",
            "outlier_detection", "common_lb_config", "ring_hash_lb_config", "maglev_lb_config",
            "round_robin_lb_config", "least_request_lb_config");
    private static final Set<String> RING_HASH_FIELDS = Set.of("minimum_ring_size", "maximum_ring_size",
            "hash_function");
    private static final Set<String> MAGLEV_FIELDS = Set.of("table_size");

    private static final Set<String> CIRCUIT_BREAKER_FIELDS = Set.of("thresholds");
    private static final Set<String> THRESHOLD_FIELDS = Set.of("priority", "max_connections", "max_pending_requests",
            "max_requests", "max_retries");
    private static final Set<String> THRESHOLD_IGNORED = Set.of("track_remaining");
    private static final Set<String> COMMON_HTTP_FIELDS = Set.of("idle_timeout", "max_requests_per_connection",
            "max_connection_duration");
    private static final Set<String> CONNECTION_OPTIONS_FIELDS = Set.of("tcp_keepalive");
    private static final Set<String> KEEPALIVE_FIELDS = Set.of("keepalive_probes", "keepalive_time",
            "keepalive_interval");
    private static final Set<String> COMMON_LB_FIELDS = Set.of("healthy_panic_threshold",
            "locality_weighted_lb_config");
    private static final Set<String> OUTLIER_FIELDS = Set.of("consecutive_5xx", "interval", "base_ejection_time",
            "max_ejection_percent", "enforcing_consecutive_5xx", "enforcing_success_rate",
            "consecutive_gateway_failure", "enforcing_consecutive_gateway_failure",
            "split_external_local_origin_errors", "consecutive_local_origin_failure",
            "enforcing_consecutive_local_origin_failure", "enforcing_local_origin_success_rate",
            "max_ejection_time");

    private static final int DEFAULT_CONSECUTIVE = 5;
    private static final int DEFAULT_MAX_EJECTION_PERCENT = 10;

    private ClusterPolicyTranslator() {
    }

    /**
     * @param commonHttp the {@code common_http_protocol_options} of the cluster's HTTP protocol options, or null
     */
    static ClusterPolicy translate(Cluster cluster, HttpProtocolOptions commonHttp, String where)
            throws TranslationException {
        CircuitBreakerSpec breakers = cluster.hasCircuitBreakers()
                ? circuitBreakers(cluster.getCircuitBreakers(), where + ": circuit_breakers")
                : CircuitBreakerSpec.ENVOY_DEFAULTS;
        ConnectionPoolSpec pool = connectionPool(commonHttp, cluster, where);
        OutlierDetectionSpec outlier = cluster.hasOutlierDetection()
                ? outlierDetection(cluster.getOutlierDetection(), where + ": outlier_detection")
                : null;
        double panic = ClusterPolicy.DEFAULT_HEALTHY_PANIC_THRESHOLD;
        boolean localityWeighted = false;
        if (cluster.hasCommonLbConfig()) {
            Cluster.CommonLbConfig common = cluster.getCommonLbConfig();
            Messages.requireOnly(common, where + ": common_lb_config", COMMON_LB_FIELDS, Set.of());
            localityWeighted = common.hasLocalityWeightedLbConfig();
            Messages.requireOnly(common.getLocalityWeightedLbConfig(),
                    where + ": common_lb_config.locality_weighted_lb_config", Set.of(), Set.of());
            if (common.hasHealthyPanicThreshold()) {
                panic = common.getHealthyPanicThreshold().getValue();
                if (!(panic >= 0 && panic <= 100)) {
                    throw new TranslationException(where + ": common_lb_config.healthy_panic_threshold " + panic
                            + " (expected: 0..100)");
                }
            }
        }
        double threshold = panic;
        boolean byLocality = localityWeighted;
        HashLbSpec hashLb = hashLb(cluster, where);
        SlowStartSpec slowStart = SlowStartTranslator.translate(cluster, where);
        return Messages.build(where, () -> new ClusterPolicy(breakers, pool, outlier, threshold, hashLb,
                byLocality, slowStart));
    }

    private static HashLbSpec hashLb(Cluster cluster, String where) throws TranslationException {
        HashLbSpec defaults = HashLbSpec.DEFAULT;
        if (cluster.hasRingHashLbConfig()) {
            Cluster.RingHashLbConfig ring = cluster.getRingHashLbConfig();
            String at = where + ": ring_hash_lb_config";
            Messages.requireOnly(ring, at, RING_HASH_FIELDS, Set.of());
            if (ring.getHashFunction() != Cluster.RingHashLbConfig.HashFunction.XX_HASH) {
                throw new TranslationException(at + ".hash_function " + ring.getHashFunction()
                        + " unsupported (expected: XX_HASH)");
            }
            long minimum = ring.hasMinimumRingSize() ? ring.getMinimumRingSize().getValue()
                    : defaults.minimumRingSize();
            long maximum = ring.hasMaximumRingSize() ? ring.getMaximumRingSize().getValue()
                    : Math.max(minimum, defaults.maximumRingSize());
            return Messages.build(at, () -> new HashLbSpec(minimum, maximum, defaults.tableSize()));
        }
        if (cluster.hasMaglevLbConfig()) {
            Cluster.MaglevLbConfig maglev = cluster.getMaglevLbConfig();
            String at = where + ": maglev_lb_config";
            Messages.requireOnly(maglev, at, MAGLEV_FIELDS, Set.of());
            long size = maglev.hasTableSize() ? maglev.getTableSize().getValue() : defaults.tableSize();
            return Messages.build(at, () -> new HashLbSpec(defaults.minimumRingSize(), defaults.maximumRingSize(),
                    size));
        }
        return defaults;
    }

    private static CircuitBreakerSpec circuitBreakers(CircuitBreakers breakers, String where)
            throws TranslationException {
        Messages.requireOnly(breakers, where, CIRCUIT_BREAKER_FIELDS, Set.of());
        CircuitBreakerSpec defaults = CircuitBreakerSpec.ENVOY_DEFAULTS;
        CircuitBreakerSpec result = defaults;
        for (int i = 0; i < breakers.getThresholdsCount(); i++) {
            CircuitBreakers.Thresholds thresholds = breakers.getThresholds(i);
            String at = where + ".thresholds[" + i + "]";
            Messages.requireOnly(thresholds, at, THRESHOLD_FIELDS, THRESHOLD_IGNORED);
            if (thresholds.getPriority() == RoutingPriority.HIGH) {
                continue;
            }
            if (thresholds.getPriority() != RoutingPriority.DEFAULT) {
                throw new TranslationException(at + ": priority " + thresholds.getPriority()
                        + " unsupported (expected: DEFAULT or HIGH)");
            }
            long maxConnections = value(thresholds.hasMaxConnections(), thresholds.getMaxConnections(),
                    defaults.maxConnections());
            long maxPending = value(thresholds.hasMaxPendingRequests(), thresholds.getMaxPendingRequests(),
                    defaults.maxPendingRequests());
            long maxRequests = value(thresholds.hasMaxRequests(), thresholds.getMaxRequests(),
                    defaults.maxRequests());
            long maxRetries = value(thresholds.hasMaxRetries(), thresholds.getMaxRetries(), defaults.maxRetries());
            result = Messages.build(at, () -> new CircuitBreakerSpec(maxConnections, maxPending, maxRequests,
                    maxRetries));
        }
        return result;
    }

    private static long value(boolean present, UInt32Value value, long fallback) {
        return present ? Integer.toUnsignedLong(value.getValue()) : fallback;
    }

    private static ConnectionPoolSpec connectionPool(HttpProtocolOptions common, Cluster cluster, String where)
            throws TranslationException {
        Duration idleTimeout = ConnectionPoolSpec.DEFAULT_IDLE_TIMEOUT;
        int maxRequestsPerConnection = 0;
        Duration maxConnectionDuration = null;
        if (common != null) {
            String at = where + ": common_http_protocol_options";
            Messages.requireOnly(common, at, COMMON_HTTP_FIELDS, Set.of());
            if (common.hasIdleTimeout()) {
                idleTimeout = positive(Durations.of(common.getIdleTimeout(), at + ".idle_timeout"),
                        at + ".idle_timeout");
            }
            if (common.hasMaxRequestsPerConnection()) {
                long max = Integer.toUnsignedLong(common.getMaxRequestsPerConnection().getValue());
                maxRequestsPerConnection = (int) Math.min(Integer.MAX_VALUE, max);
            }
            if (common.hasMaxConnectionDuration()) {
                maxConnectionDuration = positive(Durations.of(common.getMaxConnectionDuration(),
                        at + ".max_connection_duration"), at + ".max_connection_duration");
            }
        }
        TcpKeepaliveSpec keepalive = null;
        if (cluster.hasUpstreamConnectionOptions()) {
            UpstreamConnectionOptions options = cluster.getUpstreamConnectionOptions();
            String at = where + ": upstream_connection_options";
            Messages.requireOnly(options, at, CONNECTION_OPTIONS_FIELDS, Set.of());
            if (options.hasTcpKeepalive()) {
                TcpKeepalive tcp = options.getTcpKeepalive();
                Messages.requireOnly(tcp, at + ".tcp_keepalive", KEEPALIVE_FIELDS, Set.of());
                int probes = (int) Math.min(Integer.MAX_VALUE, value(tcp.hasKeepaliveProbes(),
                        tcp.getKeepaliveProbes(), 0));
                int time = (int) Math.min(Integer.MAX_VALUE, value(tcp.hasKeepaliveTime(), tcp.getKeepaliveTime(), 0));
                int interval = (int) Math.min(Integer.MAX_VALUE, value(tcp.hasKeepaliveInterval(),
                        tcp.getKeepaliveInterval(), 0));
                keepalive = new TcpKeepaliveSpec(probes, time, interval);
            }
        }
        Duration idle = idleTimeout;
        int perConnection = maxRequestsPerConnection;
        Duration lifetime = maxConnectionDuration;
        TcpKeepaliveSpec tcpKeepalive = keepalive;
        return Messages.build(where, () -> new ConnectionPoolSpec(idle, perConnection, lifetime, tcpKeepalive));
    }

    private static OutlierDetectionSpec outlierDetection(OutlierDetection outlier, String where)
            throws TranslationException {
        Messages.requireOnly(outlier, where, OUTLIER_FIELDS, Set.of());
        if (!outlier.hasEnforcingSuccessRate() || outlier.getEnforcingSuccessRate().getValue() != 0) {
            throw new TranslationException(where + ": success-rate detection unsupported"
                    + " (expected: enforcing_success_rate 0)");
        }
        if (outlier.hasEnforcingLocalOriginSuccessRate() && outlier.getEnforcingLocalOriginSuccessRate().getValue() != 0) {
            throw new TranslationException(where + ": local-origin success-rate detection unsupported"
                    + " (expected: enforcing_local_origin_success_rate 0)");
        }
        int consecutive5xx = count(outlier.hasConsecutive5Xx(), outlier.getConsecutive5Xx(), DEFAULT_CONSECUTIVE);
        int enforcing5xx = count(outlier.hasEnforcingConsecutive5Xx(), outlier.getEnforcingConsecutive5Xx(), 100);
        int gateway = count(outlier.hasConsecutiveGatewayFailure(), outlier.getConsecutiveGatewayFailure(),
                DEFAULT_CONSECUTIVE);
        int enforcingGateway = count(outlier.hasEnforcingConsecutiveGatewayFailure(),
                outlier.getEnforcingConsecutiveGatewayFailure(), 0);
        int localOrigin = count(outlier.hasConsecutiveLocalOriginFailure(), outlier.getConsecutiveLocalOriginFailure(),
                DEFAULT_CONSECUTIVE);
        int enforcingLocalOrigin = count(outlier.hasEnforcingConsecutiveLocalOriginFailure(),
                outlier.getEnforcingConsecutiveLocalOriginFailure(), 100);
        int maxEjectionPercent = count(outlier.hasMaxEjectionPercent(), outlier.getMaxEjectionPercent(),
                DEFAULT_MAX_EJECTION_PERCENT);
        Duration interval = outlier.hasInterval()
                ? positive(Durations.of(outlier.getInterval(), where + ".interval"), where + ".interval")
                : OutlierDetectionSpec.DEFAULT_INTERVAL;
        Duration base = outlier.hasBaseEjectionTime()
                ? positive(Durations.of(outlier.getBaseEjectionTime(), where + ".base_ejection_time"),
                where + ".base_ejection_time")
                : OutlierDetectionSpec.DEFAULT_BASE_EJECTION_TIME;
        Duration max = outlier.hasMaxEjectionTime()
                ? positive(Durations.of(outlier.getMaxEjectionTime(), where + ".max_ejection_time"),
                where + ".max_ejection_time")
                : OutlierDetectionSpec.DEFAULT_MAX_EJECTION_TIME;
        boolean split = outlier.getSplitExternalLocalOriginErrors();
        return Messages.build(where, () -> new OutlierDetectionSpec(consecutive5xx, enforcing5xx, gateway,
                enforcingGateway, split, localOrigin, enforcingLocalOrigin, interval, base,
                max.compareTo(base) < 0 ? base : max, maxEjectionPercent));
    }

    private static int count(boolean present, UInt32Value value, int fallback) {
        return present ? (int) Math.min(Integer.MAX_VALUE, Integer.toUnsignedLong(value.getValue())) : fallback;
    }

    private static Duration positive(Duration duration, String where) throws TranslationException {
        if (duration.isZero() || duration.isNegative()) {
            throw new TranslationException(where + " " + Durations.format(duration) + " (expected: > 0)");
        }
        return duration;
    }
}
