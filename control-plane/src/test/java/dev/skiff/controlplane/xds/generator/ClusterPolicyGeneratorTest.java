package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DestinationRule connection pools and outlier detection, as Istio writes them on clusters. */
class ClusterPolicyGeneratorTest {
    private static final String SERVICES = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: httpbin, namespace: default}
            spec:
              hosts: [httpbin.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports:
                - {number: 8000, name: http, protocol: HTTP}
                - {number: 9000, name: grpc, protocol: GRPC}
              endpoints:
                - {address: 127.0.42.10, labels: {version: v1}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: client, namespace: default}
            spec:
              address: 127.0.42.1
              labels: {app: client}
            """;

    private static final int UNLIMITED = -1;
    private static final ProxyView CLIENT = GeneratorFixtures.sidecar("127.0.42.1", "client", "default");

    private static Map<String, Cluster> clusters(String destinationRule) throws Exception {
        return GeneratorFixtures.byName(withRule(destinationRule), CLIENT, TypeUrls.CLUSTER, Cluster.class);
    }

    private static Map<String, RouteConfiguration> routes(String destinationRule) throws Exception {
        return GeneratorFixtures.byName(withRule(destinationRule), CLIENT, TypeUrls.ROUTE, RouteConfiguration.class);
    }

    private static DefaultXdsResourceProvider withRule(String destinationRule) {
        return GeneratorFixtures.provider(MeshYaml.documents(SERVICES, destinationRule));
    }

    private static CircuitBreakers.Thresholds thresholds(Cluster cluster) {
        assertThat(cluster.getCircuitBreakers().getThresholdsCount()).isEqualTo(1);
        return cluster.getCircuitBreakers().getThresholds(0);
    }

    @Test
    void everyClusterGetsIstiosUnlimitedThresholds() throws Exception {
        Map<String, Cluster> clusters = clusters("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: other, namespace: default}
                spec: {host: nothing.default.svc.cluster.local}
                """);

        Cluster cluster = clusters.get("outbound|8000||httpbin.default.svc.cluster.local");
        assertThat(thresholds(cluster)).isEqualTo(CircuitBreakers.Thresholds.newBuilder()
                .setMaxConnections(UInt32Value.of(UNLIMITED))
                .setMaxPendingRequests(UInt32Value.of(UNLIMITED))
                .setMaxRequests(UInt32Value.of(UNLIMITED))
                .setMaxRetries(UInt32Value.of(UNLIMITED))
                .setTrackRemaining(true)
                .build());
        assertThat(cluster.hasOutlierDetection()).isFalse();
        assertThat(cluster.getTypedExtensionProtocolOptionsMap()).isEmpty();
        assertThat(cluster.getConnectTimeout().getSeconds()).isEqualTo(10);
    }

    @Test
    void connectionPoolMapsToThresholdsCommonOptionsAndKeepalive() throws Exception {
        Map<String, Cluster> clusters = clusters(MeshYaml.trafficPolicy("httpbin", "httpbin", """
                        connectionPool:
                          tcp:
                            maxConnections: 1
                            connectTimeout: 250ms
                            maxConnectionDuration: 10m
                            tcpKeepalive: {probes: 3, time: 7200s, interval: 75s}
                          http:
                            http1MaxPendingRequests: 1
                            http2MaxRequests: 7
                            maxRequestsPerConnection: 1
                            maxRetries: 2
                            idleTimeout: 30s
                        """));

        Cluster cluster = clusters.get("outbound|8000||httpbin.default.svc.cluster.local");
        assertThat(thresholds(cluster)).isEqualTo(CircuitBreakers.Thresholds.newBuilder()
                .setMaxConnections(UInt32Value.of(1))
                .setMaxPendingRequests(UInt32Value.of(1))
                .setMaxRequests(UInt32Value.of(7))
                .setMaxRetries(UInt32Value.of(2))
                .setTrackRemaining(true)
                .build());
        assertThat(cluster.getConnectTimeout().getNanos()).isEqualTo(250_000_000);
        assertThat(cluster.getUpstreamConnectionOptions().getTcpKeepalive()).isEqualTo(TcpKeepalive.newBuilder()
                .setKeepaliveProbes(UInt32Value.of(3))
                .setKeepaliveTime(UInt32Value.of(7200))
                .setKeepaliveInterval(UInt32Value.of(75))
                .build());
        HttpProtocolOptions options = cluster.getTypedExtensionProtocolOptionsMap()
                .get(EnvoyProtos.HTTP_PROTOCOL_OPTIONS_KEY).unpack(HttpProtocolOptions.class);
        assertThat(options.getExplicitHttpConfig().hasHttpProtocolOptions()).isTrue();
        assertThat(options.getCommonHttpProtocolOptions().getIdleTimeout().getSeconds()).isEqualTo(30);
        assertThat(options.getCommonHttpProtocolOptions().getMaxRequestsPerConnection().getValue()).isEqualTo(1);
        assertThat(options.getCommonHttpProtocolOptions().getMaxConnectionDuration().getSeconds()).isEqualTo(600);

        Cluster grpc = clusters.get("outbound|9000||httpbin.default.svc.cluster.local");
        HttpProtocolOptions grpcOptions = grpc.getTypedExtensionProtocolOptionsMap()
                .get(EnvoyProtos.HTTP_PROTOCOL_OPTIONS_KEY).unpack(HttpProtocolOptions.class);
        assertThat(grpcOptions.getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
        assertThat(grpcOptions.getCommonHttpProtocolOptions().getIdleTimeout().getSeconds()).isEqualTo(30);
    }

    @Test
    void outlierDetectionAsIstioWritesIt() throws Exception {
        Map<String, Cluster> clusters = clusters(MeshYaml.trafficPolicy("httpbin", "httpbin", """
                        outlierDetection:
                          consecutive5xxErrors: 1
                          consecutiveGatewayErrors: 0
                          interval: 1s
                          baseEjectionTime: 3m
                          maxEjectionPercent: 100
                          splitExternalLocalOriginErrors: true
                          consecutiveLocalOriginFailures: 2
                        """));

        Cluster cluster = clusters.get("outbound|8000||httpbin.default.svc.cluster.local");
        assertThat(cluster.getOutlierDetection()).isEqualTo(OutlierDetection.newBuilder()
                .setEnforcingSuccessRate(UInt32Value.of(0))
                .setConsecutive5Xx(UInt32Value.of(1))
                .setEnforcingConsecutive5Xx(UInt32Value.of(100))
                .setConsecutiveGatewayFailure(UInt32Value.of(0))
                .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(0))
                .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                .setBaseEjectionTime(com.google.protobuf.Duration.newBuilder().setSeconds(180))
                .setMaxEjectionPercent(UInt32Value.of(100))
                .setSplitExternalLocalOriginErrors(true)
                .setConsecutiveLocalOriginFailure(UInt32Value.of(2))
                .setEnforcingConsecutiveLocalOriginFailure(UInt32Value.of(100))
                .setEnforcingLocalOriginSuccessRate(UInt32Value.of(0))
                .build());
        assertThat(cluster.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isZero();
    }

    @Test
    void subsetAndPortLevelSettingsReplaceTheRulesAsWholes() throws Exception {
        Map<String, Cluster> clusters = clusters("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: httpbin, namespace: default}
                spec:
                  host: httpbin
                  trafficPolicy:
                    connectionPool: {tcp: {maxConnections: 10}}
                    outlierDetection: {consecutive5xxErrors: 3}
                    portLevelSettings:
                      - port: {number: 9000}
                        connectionPool: {http: {http2MaxRequests: 5}}
                  subsets:
                    - name: v1
                      labels: {version: v1}
                      trafficPolicy:
                        connectionPool: {tcp: {maxConnections: 2}}
                """);

        Cluster base = clusters.get("outbound|8000||httpbin.default.svc.cluster.local");
        assertThat(thresholds(base).getMaxConnections().getValue()).isEqualTo(10);
        assertThat(base.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(3);

        Cluster portLevel = clusters.get("outbound|9000||httpbin.default.svc.cluster.local");
        assertThat(thresholds(portLevel).getMaxConnections().getValue()).isEqualTo(UNLIMITED);
        assertThat(thresholds(portLevel).getMaxRequests().getValue()).isEqualTo(5);
        assertThat(portLevel.hasOutlierDetection()).as("a port-level setting does not inherit").isFalse();

        Cluster subset = clusters.get("outbound|8000|v1|httpbin.default.svc.cluster.local");
        assertThat(thresholds(subset).getMaxConnections().getValue()).isEqualTo(2);
        assertThat(subset.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(3);

        Cluster subsetOnPortLevel = clusters.get("outbound|9000|v1|httpbin.default.svc.cluster.local");
        assertThat(thresholds(subsetOnPortLevel).getMaxConnections().getValue())
                .as("the subset's connection pool replaces the rule's port-level one").isEqualTo(2);
        assertThat(thresholds(subsetOnPortLevel).getMaxRequests().getValue()).isEqualTo(UNLIMITED);
        assertThat(subsetOnPortLevel.hasOutlierDetection()).isFalse();
    }

    @Test
    void consistentHashGivesRingHashOrMaglevClustersAndHashPoliciesOnTheRoutes() throws Exception {
        String rule = """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: httpbin, namespace: default}
                spec:
                  host: httpbin
                  trafficPolicy:
                    loadBalancer:
                      consistentHash: {httpHeaderName: x-user}
                    portLevelSettings:
                      - port: {number: 9000}
                        loadBalancer:
                          consistentHash:
                            httpCookie: {name: session, path: /, ttl: 60s}
                            maglev: {tableSize: 251}
                  subsets:
                    - name: v1
                      labels: {version: v1}
                      trafficPolicy:
                        loadBalancer: {simple: RANDOM}
                """;
        Map<String, Cluster> clusters = clusters(rule);

        Cluster ring = clusters.get("outbound|8000||httpbin.default.svc.cluster.local");
        assertThat(ring.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
        assertThat(ring.getRingHashLbConfig().getMinimumRingSize().getValue()).isEqualTo(1024);
        Cluster maglev = clusters.get("outbound|9000||httpbin.default.svc.cluster.local");
        assertThat(maglev.getLbPolicy()).isEqualTo(Cluster.LbPolicy.MAGLEV);
        assertThat(maglev.getMaglevLbConfig().getTableSize().getValue()).isEqualTo(251);
        assertThat(clusters.get("outbound|8000|v1|httpbin.default.svc.cluster.local").getLbPolicy())
                .isEqualTo(Cluster.LbPolicy.RANDOM);

        Map<String, RouteConfiguration> routes = routes(rule);
        RouteAction http = routes.get("8000").getVirtualHosts(0).getRoutes(0).getRoute();
        assertThat(http.getHashPolicyList()).containsExactly(RouteAction.HashPolicy.newBuilder()
                .setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x-user")).build());
        RouteAction grpc = routes.get("9000").getVirtualHosts(0).getRoutes(0).getRoute();
        assertThat(grpc.getHashPolicyList()).containsExactly(RouteAction.HashPolicy.newBuilder()
                .setCookie(RouteAction.HashPolicy.Cookie.newBuilder().setName("session").setPath("/")
                        .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(60)))
                .build());
    }
}
