package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.model.CircuitBreakerSpec;
import dev.skiff.proxy.model.ClusterPolicy;
import dev.skiff.proxy.model.ConnectionPoolSpec;
import dev.skiff.proxy.model.HashLbSpec;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.OutlierDetectionSpec;
import dev.skiff.proxy.model.SlowStartSpec;
import dev.skiff.proxy.model.TcpKeepaliveSpec;
import dev.skiff.proxy.model.UpstreamProtocol;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.cluster.v3.UpstreamConnectionOptions;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.Percent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterPolicyTranslatorTest {

    private final ClusterTranslator translator = new ClusterTranslator(new EndpointTranslator());

    private static Cluster.Builder cluster() {
        return ClusterTranslatorTest.edsCluster("outbound|9080||reviews.default.svc.cluster.local");
    }

    /** What Istio generates for maxConnections 1, http1MaxPendingRequests 1 (its defaults elsewhere). */
    private static CircuitBreakers istioThresholds() {
        return CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                        .setMaxConnections(UInt32Value.of(1))
                        .setMaxPendingRequests(UInt32Value.of(1))
                        .setMaxRequests(UInt32Value.of(-1))
                        .setMaxRetries(UInt32Value.of(-1))
                        .setTrackRemaining(true))
                .build();
    }

    @Test
    void clusterWithoutPolicyGetsEnvoyDefaults() throws Exception {
        ClusterPolicy policy = translator.translate(cluster().build()).spec().policy();

        assertThat(policy).isEqualTo(ClusterPolicy.DEFAULT);
        assertThat(policy.circuitBreakers()).isEqualTo(new CircuitBreakerSpec(1024, 1024, 1024, 3));
        assertThat(policy.outlierDetection()).isNull();
    }

    @Test
    void circuitBreakerThresholdsAsIstioWritesThem() throws Exception {
        ClusterPolicy policy = translator.translate(cluster().setCircuitBreakers(istioThresholds()).build())
                .spec().policy();

        assertThat(policy.circuitBreakers()).isEqualTo(new CircuitBreakerSpec(1, 1, 4_294_967_295L,
                4_294_967_295L));
    }

    @Test
    void highPriorityThresholdsAreNotTheDefaultOnes() throws Exception {
        CircuitBreakers breakers = CircuitBreakers.newBuilder()
                .addThresholds(CircuitBreakers.Thresholds.newBuilder().setPriority(RoutingPriority.HIGH)
                        .setMaxRequests(UInt32Value.of(7)))
                .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(9)))
                .build();

        ClusterPolicy policy = translator.translate(cluster().setCircuitBreakers(breakers).build()).spec().policy();

        assertThat(policy.circuitBreakers()).isEqualTo(new CircuitBreakerSpec(1024, 1024, 9, 3));
    }

    @Test
    void commonHttpOptionsAndKeepalive() throws Exception {
        Any options = Any.pack(HttpProtocolOptions.newBuilder()
                .setCommonHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                        .setIdleTimeout(Duration.newBuilder().setSeconds(30))
                        .setMaxRequestsPerConnection(UInt32Value.of(1))
                        .setMaxConnectionDuration(Duration.newBuilder().setSeconds(600)))
                .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                        .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()))
                .build());
        Cluster cluster = cluster()
                .putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_PROTOCOL_OPTIONS_KEY, options)
                .setUpstreamConnectionOptions(UpstreamConnectionOptions.newBuilder()
                        .setTcpKeepalive(TcpKeepalive.newBuilder()
                                .setKeepaliveProbes(UInt32Value.of(3))
                                .setKeepaliveTime(UInt32Value.of(7200))
                                .setKeepaliveInterval(UInt32Value.of(75))))
                .build();

        var spec = translator.translate(cluster).spec();

        assertThat(spec.protocol()).isEqualTo(UpstreamProtocol.HTTP1);
        assertThat(spec.policy().connectionPool()).isEqualTo(new ConnectionPoolSpec(java.time.Duration.ofSeconds(30),
                1, java.time.Duration.ofMinutes(10), new TcpKeepaliveSpec(3, 7200, 75)));
    }

    @Test
    void outlierDetectionAsIstioWritesItWithEnvoyDefaultsForTheRest() throws Exception {
        Cluster cluster = cluster()
                .setOutlierDetection(OutlierDetection.newBuilder()
                        .setConsecutive5Xx(UInt32Value.of(1))
                        .setEnforcingConsecutive5Xx(UInt32Value.of(100))
                        .setInterval(Duration.newBuilder().setSeconds(1))
                        .setBaseEjectionTime(Duration.newBuilder().setSeconds(180))
                        .setMaxEjectionPercent(UInt32Value.of(100))
                        .setEnforcingSuccessRate(UInt32Value.of(0)))
                .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(Percent.newBuilder().setValue(0)))
                .build();

        ClusterPolicy policy = translator.translate(cluster).spec().policy();

        assertThat(policy.outlierDetection()).isEqualTo(new OutlierDetectionSpec(1, 100, 5, 0, false, 5, 100,
                java.time.Duration.ofSeconds(1), java.time.Duration.ofMinutes(3), java.time.Duration.ofMinutes(5),
                100));
        assertThat(policy.healthyPanicThreshold()).isZero();
    }

    @Test
    void slowStartOfRoundRobinAndLeastRequestWithEnvoysDefaults() throws Exception {
        Cluster roundRobin = cluster().setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .setRoundRobinLbConfig(Cluster.RoundRobinLbConfig.newBuilder().setSlowStartConfig(
                        Cluster.SlowStartConfig.newBuilder().setSlowStartWindow(Duration.newBuilder().setSeconds(30))))
                .build();
        assertThat(translator.translate(roundRobin).spec().policy().slowStart())
                .isEqualTo(new SlowStartSpec(java.time.Duration.ofSeconds(30), 1.0, 10));

        Cluster leastRequest = cluster().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setSlowStartConfig(
                        Cluster.SlowStartConfig.newBuilder().setSlowStartWindow(Duration.newBuilder().setSeconds(60))
                                .setAggression(RuntimeDouble.newBuilder().setDefaultValue(2).setRuntimeKey("("))
                                .setMinWeightPercent(Percent.newBuilder().setValue(25))))
                .build();
        assertThat(translator.translate(leastRequest).spec().policy().slowStart())
                .isEqualTo(new SlowStartSpec(java.time.Duration.ofSeconds(60), 2.0, 25));

        assertRejected(cluster().setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                        .setRoundRobinLbConfig(Cluster.RoundRobinLbConfig.newBuilder().setSlowStartConfig(
                                Cluster.SlowStartConfig.getDefaultInstance())).build(),
                "cluster outbound|9080||reviews.default.svc.cluster.local: round_robin_lb_config: slow_start_config:"
                        + " slow_start_window missing (expected: a window > 0)");
    }

    @Test
    void localityWeightedLbConfigTurnsOnLocalityWeights() throws Exception {
        assertThat(translator.translate(cluster().build()).spec().policy().localityWeighted()).isFalse();
        Cluster cluster = cluster()
                .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setLocalityWeightedLbConfig(
                        Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()))
                .build();

        assertThat(translator.translate(cluster).spec().policy().localityWeighted()).isTrue();
    }

    @Test
    void splitLocalOriginErrors() throws Exception {
        Cluster cluster = cluster()
                .setOutlierDetection(OutlierDetection.newBuilder()
                        .setEnforcingSuccessRate(UInt32Value.of(0))
                        .setSplitExternalLocalOriginErrors(true)
                        .setConsecutiveLocalOriginFailure(UInt32Value.of(2))
                        .setEnforcingConsecutiveLocalOriginFailure(UInt32Value.of(100))
                        .setEnforcingLocalOriginSuccessRate(UInt32Value.of(0))
                        .setConsecutiveGatewayFailure(UInt32Value.of(3))
                        .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100)))
                .build();

        OutlierDetectionSpec outlier = translator.translate(cluster).spec().policy().outlierDetection();

        assertThat(outlier.splitExternalLocalOriginErrors()).isTrue();
        assertThat(outlier.consecutiveLocalOriginFailure()).isEqualTo(2);
        assertThat(outlier.consecutiveGatewayFailure()).isEqualTo(3);
        assertThat(outlier.enforcingConsecutiveGatewayFailure()).isEqualTo(100);
        assertThat(outlier.maxEjectionPercent()).isEqualTo(10);
        assertThat(outlier.baseEjectionTime()).isEqualTo(java.time.Duration.ofSeconds(30));
    }

    @Test
    void consistentHashBalancersWithTheirSizes() throws Exception {
        var ring = translator.translate(cluster().setLbPolicy(Cluster.LbPolicy.RING_HASH)
                .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
                        .setMinimumRingSize(com.google.protobuf.UInt64Value.of(2048)))
                .build()).spec();
        var maglev = translator.translate(cluster().setLbPolicy(Cluster.LbPolicy.MAGLEV)
                .setMaglevLbConfig(Cluster.MaglevLbConfig.newBuilder()
                        .setTableSize(com.google.protobuf.UInt64Value.of(251)))
                .build()).spec();
        var random = translator.translate(cluster().setLbPolicy(Cluster.LbPolicy.RANDOM).build()).spec();

        assertThat(ring.lbPolicy()).isEqualTo(LbPolicy.RING_HASH);
        assertThat(ring.policy().hashLb()).isEqualTo(new HashLbSpec(2048, 8 * 1024 * 1024, 65537));
        assertThat(maglev.lbPolicy()).isEqualTo(LbPolicy.MAGLEV);
        assertThat(maglev.policy().hashLb().tableSize()).isEqualTo(251);
        assertThat(random.lbPolicy()).isEqualTo(LbPolicy.RANDOM);
        assertRejected(cluster().setLbPolicy(Cluster.LbPolicy.MAGLEV).setMaglevLbConfig(Cluster.MaglevLbConfig
                        .newBuilder().setTableSize(com.google.protobuf.UInt64Value.of(100))).build(),
                "cluster outbound|9080||reviews.default.svc.cluster.local: maglev_lb_config: maglev table size: 100"
                        + " (expected: a prime up to 8388608)");
    }

    @Test
    void rejectsSuccessRateDetection() {
        assertRejected(cluster().setOutlierDetection(OutlierDetection.getDefaultInstance()).build(),
                "cluster outbound|9080||reviews.default.svc.cluster.local: outlier_detection: success-rate detection"
                        + " unsupported (expected: enforcing_success_rate 0)");
    }

    @Test
    void rejectsUnsupportedThresholdFieldsAndPriorities() {
        assertRejected(cluster().setCircuitBreakers(CircuitBreakers.newBuilder()
                        .addThresholds(CircuitBreakers.Thresholds.newBuilder()
                                .setRetryBudget(CircuitBreakers.Thresholds.RetryBudget.getDefaultInstance())))
                        .build(),
                "cluster outbound|9080||reviews.default.svc.cluster.local: circuit_breakers.thresholds[0]:"
                        + " retry_budget: unsupported (expected only: max_connections, max_pending_requests,"
                        + " max_requests, max_retries, priority)");
        assertRejected(cluster().setCircuitBreakers(CircuitBreakers.newBuilder()
                        .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(0))))
                        .build(),
                "cluster outbound|9080||reviews.default.svc.cluster.local: circuit_breakers.thresholds[0]:"
                        + " circuit breaker max_requests: 0 (expected: >= 1)");
    }

    @Test
    void rejectsBadDurationsAndPanicThreshold() {
        Any options = Any.pack(HttpProtocolOptions.newBuilder()
                .setCommonHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                        .setIdleTimeout(Duration.newBuilder().setSeconds(0)))
                .build());
        assertRejected(cluster().putTypedExtensionProtocolOptions(ClusterTranslator.HTTP_PROTOCOL_OPTIONS_KEY, options)
                        .build(),
                "cluster outbound|9080||reviews.default.svc.cluster.local: common_http_protocol_options.idle_timeout"
                        + " 0s (expected: > 0)");
        assertRejected(cluster().setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(Percent.newBuilder().setValue(150))).build(),
                "cluster outbound|9080||reviews.default.svc.cluster.local: common_lb_config.healthy_panic_threshold"
                        + " 150.0 (expected: 0..100)");
        assertRejected(cluster().setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
                        .setIgnoreNewHostsUntilFirstHc(true)).build(),
                "cluster outbound|9080||reviews.default.svc.cluster.local: common_lb_config:"
                        + " ignore_new_hosts_until_first_hc: unsupported (expected only: healthy_panic_threshold,"
                        + " locality_weighted_lb_config)");
    }

    private void assertRejected(Cluster cluster, String reason) {
        assertThatThrownBy(() -> translator.translate(cluster))
                .isInstanceOf(TranslationException.class)
                .hasMessage(reason);
    }
}
