package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.ClientTLSSettings;
import dev.skiff.api.networking.v1alpha3.ConnectionPoolSettings;
import dev.skiff.api.networking.v1alpha3.Destination;
import dev.skiff.api.networking.v1alpha3.DestinationRule;
import dev.skiff.api.networking.v1alpha3.HTTPMatchRequest;
import dev.skiff.api.networking.v1alpha3.HTTPRedirect;
import dev.skiff.api.networking.v1alpha3.HTTPRetry;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.api.networking.v1alpha3.HTTPRouteDestination;
import dev.skiff.api.networking.v1alpha3.IstioEgressListener;
import dev.skiff.api.networking.v1alpha3.IstioIngressListener;
import dev.skiff.api.networking.v1alpha3.LoadBalancerSettings;
import dev.skiff.api.networking.v1alpha3.OutboundTrafficPolicy;
import dev.skiff.api.networking.v1alpha3.OutlierDetection;
import dev.skiff.api.networking.v1alpha3.ServiceEntry;
import dev.skiff.api.networking.v1alpha3.ServicePort;
import dev.skiff.api.networking.v1alpha3.Sidecar;
import dev.skiff.api.networking.v1alpha3.SidecarPort;
import dev.skiff.api.networking.v1alpha3.StringMatch;
import dev.skiff.api.networking.v1alpha3.Subset;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.api.networking.v1alpha3.VirtualService;
import dev.skiff.api.networking.v1alpha3.WorkloadEntry;
import dev.skiff.api.networking.v1alpha3.WorkloadSelector;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigParserTest {
    @Test
    void readsTheBookinfoReviewsVirtualService() {
        ConfigObject object = Yaml.single(Yaml.resource("bookinfo/reviews-virtual-service.yaml"));

        assertThat(object.key()).isEqualTo(new ConfigKey(ConfigKind.VIRTUAL_SERVICE, "default", "reviews"));
        assertThat(object.apiVersion()).isEqualTo("networking.istio.io/v1");
        assertThat(object.labels()).isEqualTo(Map.of("app", "reviews"));
        assertThat(object.annotations()).isEmpty();
        assertThat(object.source()).isEqualTo("bookinfo/reviews-virtual-service.yaml");
        VirtualService expected = VirtualService.newBuilder()
                .addHosts("reviews")
                .addHttp(HTTPRoute.newBuilder()
                        .setName("jason")
                        .addMatch(HTTPMatchRequest.newBuilder()
                                .putHeaders("end-user", StringMatch.newBuilder().setExact("jason").build()))
                        .addRoute(HTTPRouteDestination.newBuilder()
                                .setDestination(Destination.newBuilder().setHost("reviews").setSubset("v2"))))
                .addHttp(HTTPRoute.newBuilder()
                        .addRoute(HTTPRouteDestination.newBuilder()
                                .setDestination(Destination.newBuilder().setHost("reviews").setSubset("v1"))
                                .setWeight(80))
                        .addRoute(HTTPRouteDestination.newBuilder()
                                .setDestination(Destination.newBuilder().setHost("reviews").setSubset("v3"))
                                .setWeight(20))
                        .setTimeout(Duration.newBuilder().setSeconds(1).setNanos(500_000_000))
                        .setRetries(HTTPRetry.newBuilder()
                                .setAttempts(3)
                                .setPerTryTimeout(Duration.newBuilder().setNanos(500_000_000))
                                .setRetryOn("gateway-error,connect-failure,refused-stream")
                                .setRetryRemoteLocalities(BoolValue.of(true))))
                .build();
        assertThat(object.spec(VirtualService.class)).isEqualTo(expected);
    }

    @Test
    void readsDestinationRulesWithSubsetsAndTrafficPolicy() {
        ParsedFile file = Yaml.resource("bookinfo/destination-rules.yaml");

        assertThat(Yaml.errors(file)).isEmpty();
        assertThat(file.documents()).extracting(ParsedDocument::key).containsExactly(
                new ConfigKey(ConfigKind.DESTINATION_RULE, "bookinfo", "reviews"),
                new ConfigKey(ConfigKind.DESTINATION_RULE, "bookinfo", "ratings"));
        DestinationRule reviews = file.documents().get(0).object().spec(DestinationRule.class);
        DestinationRule expected = DestinationRule.newBuilder()
                .setHost("reviews.bookinfo.svc.cluster.local")
                .setTrafficPolicy(TrafficPolicy.newBuilder()
                        .setLoadBalancer(LoadBalancerSettings.newBuilder()
                                .setSimple(LoadBalancerSettings.SimpleLB.LEAST_REQUEST))
                        .setConnectionPool(ConnectionPoolSettings.newBuilder()
                                .setTcp(ConnectionPoolSettings.TCPSettings.newBuilder()
                                        .setMaxConnections(100)
                                        .setConnectTimeout(Duration.newBuilder().setNanos(30_000_000)))
                                .setHttp(ConnectionPoolSettings.HTTPSettings.newBuilder()
                                        .setHttp2MaxRequests(1000)
                                        .setMaxRequestsPerConnection(10)))
                        .setOutlierDetection(OutlierDetection.newBuilder()
                                .setConsecutive5XxErrors(UInt32Value.of(7))
                                .setInterval(Duration.newBuilder().setSeconds(300))
                                .setBaseEjectionTime(Duration.newBuilder().setSeconds(900)))
                        .setTls(ClientTLSSettings.newBuilder().setMode(ClientTLSSettings.TLSmode.ISTIO_MUTUAL)))
                .addSubsets(Subset.newBuilder().setName("v1").putLabels("version", "v1"))
                .addSubsets(Subset.newBuilder().setName("v2").putLabels("version", "v2")
                        .setTrafficPolicy(TrafficPolicy.newBuilder()
                                .setLoadBalancer(LoadBalancerSettings.newBuilder()
                                        .setConsistentHash(LoadBalancerSettings.ConsistentHashLB.newBuilder()
                                                .setHttpHeaderName("x-user")))))
                .addSubsets(Subset.newBuilder().setName("v3").putLabels("version", "v3"))
                .build();
        assertThat(reviews).isEqualTo(expected);
        assertThat(file.documents().get(1).object().apiVersion()).isEqualTo("networking.istio.io/v1alpha3");
    }

    @Test
    void readsServiceEntriesAndWorkloadEntries() {
        ParsedFile file = Yaml.resource("bookinfo/external.yaml");

        assertThat(Yaml.errors(file)).isEmpty();
        assertThat(file.documents()).hasSize(3);
        ServiceEntry details = file.documents().get(0).object().spec(ServiceEntry.class);
        assertThat(details).isEqualTo(ServiceEntry.newBuilder()
                .addHosts("details.bookinfo.com")
                .setLocation(ServiceEntry.Location.MESH_INTERNAL)
                .addPorts(ServicePort.newBuilder().setNumber(80).setName("http").setProtocol("HTTP")
                        .setTargetPort(8080))
                .setResolution(ServiceEntry.Resolution.STATIC)
                .setWorkloadSelector(WorkloadSelector.newBuilder().putLabels("app", "details-legacy"))
                .build());
        WorkloadEntry vm = file.documents().get(1).object().spec(WorkloadEntry.class);
        assertThat(vm).isEqualTo(WorkloadEntry.newBuilder()
                .setServiceAccount("details-legacy")
                .setAddress("127.0.0.2")
                .putLabels("app", "details-legacy")
                .putLabels("instance-id", "vm1")
                .putPorts("http", 9080)
                .setLocality("us-east1/us-east1-b")
                .setWeight(3)
                .build());
        ServiceEntry external = file.documents().get(2).object().spec(ServiceEntry.class);
        assertThat(external.getEndpointsList()).containsExactly(
                WorkloadEntry.newBuilder().setAddress("api-1.example.com").build(),
                WorkloadEntry.newBuilder().setAddress("api-2.example.com").putPorts("https", 8443).build());
    }

    @Test
    void readsSidecars() {
        ConfigObject object = Yaml.single(Yaml.resource("bookinfo/sidecar.yaml"));

        assertThat(object.spec(Sidecar.class)).isEqualTo(Sidecar.newBuilder()
                .setWorkloadSelector(WorkloadSelector.newBuilder().putLabels("app", "ratings"))
                .addIngress(IstioIngressListener.newBuilder()
                        .setPort(SidecarPort.newBuilder().setNumber(9080).setProtocol("HTTP").setName("somename"))
                        .setDefaultEndpoint("127.0.0.1:8080"))
                .addIngress(IstioIngressListener.newBuilder()
                        .setPort(SidecarPort.newBuilder().setNumber(9443).setProtocol("TCP").setName("legacy"))
                        .setDefaultEndpoint("unix:///var/run/someuds.sock"))
                .addEgress(IstioEgressListener.newBuilder()
                        .setPort(SidecarPort.newBuilder().setNumber(9080).setProtocol("HTTP").setName("egresshttp"))
                        .addHosts("prod-us1/*"))
                .addEgress(IstioEgressListener.newBuilder().addHosts("istio-system/*").addHosts("./*"))
                .setOutboundTrafficPolicy(OutboundTrafficPolicy.newBuilder()
                        .setMode(OutboundTrafficPolicy.Mode.REGISTRY_ONLY))
                .build());
    }

    @Test
    void acceptsTheShapesOfTheIstioDocumentation() {
        ParsedFile file = Yaml.resource("istio-docs-samples.yaml");

        assertThat(Yaml.errors(file)).isEmpty();
        assertThat(file.documents()).extracting(document -> document.key().toString()).containsExactly(
                "VirtualService default/bookinfo",
                "DestinationRule default/helloworld",
                "ServiceEntry default/external-svc-https",
                "ServiceEntry default/external-svc-wikipedia",
                "Sidecar istio-config/default");
        VirtualService bookinfo = file.documents().getFirst().object().spec(VirtualService.class);
        assertThat(bookinfo.getHttp(1).getFault().getAbort().getHttpStatus()).isEqualTo(400);
        assertThat(bookinfo.getHttp(1).getCorsPolicy().getMaxAge().getSeconds()).isEqualTo(86_400);
        assertThat(bookinfo.getHttp(1).getHeaders().getRequest().getSetMap()).containsEntry("test", "true");
        assertThat(bookinfo.getHttp(2).getRedirect().getDerivePort())
                .isEqualTo(HTTPRedirect.RedirectPortSelection.FROM_REQUEST_PORT);
        assertThat(bookinfo.getTcp(0).getRoute(0).getDestination().getPort().getNumber()).isEqualTo(5555);
    }

    @Test
    void acceptsProtoFieldNamesAsWellAsJsonNames() {
        ConfigObject object = Yaml.single(Yaml.parse("dr.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: reviews
                spec:
                  host: reviews
                  traffic_policy:
                    connection_pool:
                      http:
                        http1_max_pending_requests: 5
                    outlier_detection:
                      consecutive_5xx_errors: 2
                  export_to: ["."]
                """));

        DestinationRule rule = object.spec(DestinationRule.class);
        assertThat(rule.getTrafficPolicy().getConnectionPool().getHttp().getHttp1MaxPendingRequests()).isEqualTo(5);
        assertThat(rule.getTrafficPolicy().getOutlierDetection().getConsecutive5XxErrors().getValue()).isEqualTo(2);
        assertThat(rule.getExportToList()).containsExactly(".");
    }

    @Test
    void readsWrappersFromPlainScalars() {
        ConfigObject object = Yaml.single(Yaml.parse("dr.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: reviews
                spec:
                  host: reviews
                  trafficPolicy:
                    loadBalancer:
                      simple: ROUND_ROBIN
                      warmup:
                        duration: 1m30s
                        minimumPercent: 12.5
                        aggression: 2
                      localityLbSetting:
                        enabled: false
                    tls:
                      mode: SIMPLE
                      insecureSkipVerify: true
                """));

        TrafficPolicy policy = object.spec(DestinationRule.class).getTrafficPolicy();
        assertThat(policy.getLoadBalancer().getWarmup().getDuration().getSeconds()).isEqualTo(90);
        assertThat(policy.getLoadBalancer().getWarmup().getMinimumPercent().getValue()).isEqualTo(12.5);
        assertThat(policy.getLoadBalancer().getWarmup().getAggression().getValue()).isEqualTo(2.0);
        assertThat(policy.getLoadBalancer().getLocalityLbSetting().hasEnabled()).isTrue();
        assertThat(policy.getLoadBalancer().getLocalityLbSetting().getEnabled().getValue()).isFalse();
        assertThat(policy.getTls().getInsecureSkipVerify().getValue()).isTrue();
    }

    @Test
    void readsEveryDocumentOfAFileAndSkipsEmptyOnes() {
        ParsedFile file = Yaml.parse("multi.yaml", """
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: one, namespace: apps, annotations: {skiff.dev/owner: team-a}}
                spec: {address: 127.0.0.3}
                ---
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: two, namespace: apps}
                spec: {address: 127.0.0.4, weight: "many"}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: three, namespace: apps}
                spec: {address: 127.0.0.5}
                """);

        assertThat(file.documents()).extracting(ParsedDocument::index).containsExactly(1, 3, 4);
        assertThat(file.documents()).extracting(ParsedDocument::valid).containsExactly(true, false, true);
        assertThat(file.documents().get(0).object().annotations()).isEqualTo(Map.of("skiff.dev/owner", "team-a"));
        assertThat(Yaml.errors(file)).containsExactly(
                "multi.yaml: WorkloadEntry apps/two: spec.weight: expected a non-negative integer, got \"many\"");
    }

    @Test
    void metadataFilledInByTheApiServerIsIgnored() {
        ConfigObject object = Yaml.single(Yaml.parse("exported.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: vm
                  namespace: apps
                  uid: 2c1f4a0e-8d4e-4b8a-9c55-0b8b5a1a2f11
                  resourceVersion: "4711"
                  generation: 3
                  creationTimestamp: "2024-01-01T00:00:00Z"
                spec:
                  address: 127.0.0.9
                status: {}
                """));

        assertThat(object.key()).isEqualTo(new ConfigKey(ConfigKind.WORKLOAD_ENTRY, "apps", "vm"));
    }

    @Test
    void anEmptySpecIsTheDefaultMessageAndStillValidated() {
        assertThat(Yaml.errors(Yaml.parse("we.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm}
                """))).containsExactly("we.yaml: WorkloadEntry default/vm: spec.address: required");
    }
}
