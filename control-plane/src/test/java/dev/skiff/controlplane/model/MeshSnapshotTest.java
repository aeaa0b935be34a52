package dev.skiff.controlplane.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import dev.skiff.api.networking.v1alpha3.Delegate;
import dev.skiff.api.networking.v1alpha3.Destination;
import dev.skiff.api.networking.v1alpha3.DestinationRule;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.api.networking.v1alpha3.HTTPRouteDestination;
import dev.skiff.api.networking.v1alpha3.IstioEgressListener;
import dev.skiff.api.networking.v1alpha3.IstioIngressListener;
import dev.skiff.api.networking.v1alpha3.LoadBalancerSettings;
import dev.skiff.api.networking.v1alpha3.OutboundTrafficPolicy;
import dev.skiff.api.networking.v1alpha3.ServiceEntry;
import dev.skiff.api.networking.v1alpha3.Sidecar;
import dev.skiff.api.networking.v1alpha3.SidecarPort;
import dev.skiff.api.networking.v1alpha3.TLSMatchAttributes;
import dev.skiff.api.networking.v1alpha3.TLSRoute;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.api.networking.v1alpha3.VirtualService;
import dev.skiff.api.networking.v1alpha3.WorkloadEntry;
import dev.skiff.api.networking.v1alpha3.WorkloadSelector;
import dev.skiff.controlplane.config.ConfigKey;
import dev.skiff.controlplane.config.ConfigKind;
import dev.skiff.controlplane.config.ConfigObject;
import dev.skiff.controlplane.config.ConfigSnapshot;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshSnapshotTest {
    private static final String REVIEWS = "reviews.default.svc.cluster.local";

    @Test
    void serviceEntryHostsAndPortsBecomeServices() {
        MeshSnapshot mesh = build(reviewsEntry());

        MeshService reviews = mesh.service(REVIEWS).orElseThrow();
        assertThat(reviews.namespace()).isEqualTo("default");
        assertThat(reviews.ports()).containsExactly(
                new ServicePort("http", 9080, Protocol.HTTP, 9080),
                new ServicePort("grpc-admin", 9090, Protocol.GRPC, 19090));
        assertThat(mesh.version()).isEqualTo(1);
    }

    @Test
    void workloadEntriesAreSelectedByLabelsInTheServiceNamespaceOnly() {
        MeshSnapshot mesh = build(reviewsEntry(),
                workloadEntry("default", "reviews-v1", WorkloadEntry.newBuilder().setAddress("127.0.0.11")
                        .putLabels("app", "reviews").putLabels("version", "v1").setLocality("us-east/a/1")),
                workloadEntry("default", "reviews-v2", WorkloadEntry.newBuilder().setAddress("127.0.0.12")
                        .putLabels("app", "reviews").putLabels("version", "v2").setWeight(3)
                        .putPorts("http", 9181).setServiceAccount("reviews")),
                workloadEntry("other", "reviews-elsewhere", WorkloadEntry.newBuilder().setAddress("127.0.0.13")
                        .putLabels("app", "reviews")),
                workloadEntry("default", "ratings", WorkloadEntry.newBuilder().setAddress("127.0.0.14")
                        .putLabels("app", "ratings")));

        assertThat(mesh.instances(REVIEWS, 9080)).containsExactly(
                new WorkloadInstance("127.0.0.11", 9080, 1, Map.of("app", "reviews", "version", "v1"),
                        new Locality("us-east", "a", "1"), ""),
                new WorkloadInstance("127.0.0.12", 9181, 3, Map.of("app", "reviews", "version", "v2"),
                        Locality.NONE, "reviews"));
        assertThat(mesh.instances(REVIEWS, 9090)).extracting(WorkloadInstance::port).containsExactly(19090, 19090);
        assertThat(mesh.instances(REVIEWS, 1234)).isEmpty();
    }

    @Test
    void inlineEndpointsAreInstancesToo() {
        MeshSnapshot mesh = build(object(ConfigKind.SERVICE_ENTRY, "default", "ext", ServiceEntry.newBuilder()
                .addHosts("ext.example.com")
                .addPorts(port(443, "tls", "TLS", 0))
                .addEndpoints(WorkloadEntry.newBuilder().setAddress("127.0.0.50").putPorts("tls", 8443))
                .addEndpoints(WorkloadEntry.newBuilder().setAddress("127.0.0.51"))
                .build()));

        assertThat(mesh.instances("ext.example.com", 443))
                .extracting(WorkloadInstance::address, WorkloadInstance::port)
                .containsExactly(tuple("127.0.0.50", 8443),
                        tuple("127.0.0.51", 443));
    }

    @Test
    void aSidecarFindsItsWorkloadByNamespaceAndName() {
        MeshSnapshot mesh = build(reviewsEntry(), workloadEntry("default", "reviews-v1",
                WorkloadEntry.newBuilder().setAddress("127.0.0.11").putLabels("app", "reviews")));

        Workload workload = mesh.workload("default", "reviews-v1").orElseThrow();
        assertThat(workload.address()).isEqualTo("127.0.0.11");
        assertThat(mesh.servicesSelecting(workload)).extracting(MeshService::host).containsExactly(REVIEWS);
        assertThat(mesh.workload("other", "reviews-v1")).isEmpty();
    }

    @Test
    void virtualServiceShortHostMatchesTheServiceOfItsOwnNamespace() {
        MeshSnapshot mesh = build(reviewsEntry(), virtualService("default", "reviews", VirtualService.newBuilder()
                .addHosts("reviews")));

        assertThat(mesh.virtualService(REVIEWS, "default")).map(VirtualServiceConfig::name).contains("reviews");
        assertThat(mesh.virtualService("reviews.other.svc.cluster.local", "default")).isEmpty();
    }

    @Test
    void exactVirtualServiceHostBeatsAWildcard() {
        MeshSnapshot mesh = build(reviewsEntry(),
                virtualService("default", "a-wildcard", VirtualService.newBuilder()
                        .addHosts("*.default.svc.cluster.local")),
                virtualService("default", "b-exact", VirtualService.newBuilder().addHosts("reviews")),
                virtualService("default", "c-everything", VirtualService.newBuilder().addHosts("*")));

        assertThat(mesh.virtualService(REVIEWS, "default")).map(VirtualServiceConfig::name).contains("b-exact");
        assertThat(mesh.virtualService("ratings.default.svc.cluster.local", "default"))
                .map(VirtualServiceConfig::name).contains("a-wildcard");
        assertThat(mesh.virtualService("api.example.com", "default"))
                .map(VirtualServiceConfig::name).contains("c-everything");
    }

    @Test
    void virtualServiceVisibilityFollowsExportToAndGateways() {
        MeshSnapshot mesh = build(reviewsEntry(),
                virtualService("default", "private", VirtualService.newBuilder().addHosts("reviews")
                        .addExportTo(".")),
                virtualService("default", "gateway-only", VirtualService.newBuilder()
                        .addHosts("ratings").addGateways("ingress")),
                virtualService("default", "mesh-and-gateway", VirtualService.newBuilder()
                        .addHosts("details").addGateways("ingress").addGateways("mesh")));

        assertThat(mesh.virtualService(REVIEWS, "default")).isPresent();
        assertThat(mesh.virtualService(REVIEWS, "other")).isEmpty();
        assertThat(mesh.virtualService("ratings.default.svc.cluster.local", "default")).isEmpty();
        assertThat(mesh.virtualService("details.default.svc.cluster.local", "default")).isPresent();
    }

    @Test
    void aVirtualServiceOfTheProxyNamespaceWinsATie() {
        MeshSnapshot mesh = build(reviewsEntry(),
                virtualService("default", "reviews", VirtualService.newBuilder().addHosts("reviews")),
                virtualService("shop", "reviews-for-shop", VirtualService.newBuilder()
                        .addHosts(REVIEWS)));

        assertThat(mesh.virtualService(REVIEWS, "shop")).map(VirtualServiceConfig::name)
                .contains("reviews-for-shop");
        assertThat(mesh.virtualService(REVIEWS, "default")).map(VirtualServiceConfig::name).contains("reviews");
        assertThat(mesh.virtualService(REVIEWS, "third")).map(VirtualServiceConfig::name).contains("reviews");
    }

    @Test
    void destinationRulePrefersExactHostThenProxyNamespaceThenServiceNamespace() {
        MeshSnapshot mesh = build(reviewsEntry(),
                destinationRule("default", "all", "*.default.svc.cluster.local"),
                destinationRule("default", "reviews", "reviews"),
                destinationRule("shop", "reviews-from-shop", REVIEWS),
                destinationRule("zzz", "reviews-from-zzz", REVIEWS));

        assertThat(mesh.destinationRule(REVIEWS, "shop")).map(DestinationRuleConfig::name)
                .contains("reviews-from-shop");
        assertThat(mesh.destinationRule(REVIEWS, "elsewhere")).map(DestinationRuleConfig::name).contains("reviews");
        assertThat(mesh.destinationRule("ratings.default.svc.cluster.local", "default"))
                .map(DestinationRuleConfig::name).contains("all");
    }

    @Test
    void sidecarWithMatchingSelectorBeatsNamespaceWideBeatsRootNamespace() {
        MeshSnapshot mesh = build(
                sidecar("istio-system", "root", Sidecar.getDefaultInstance()),
                sidecar("default", "namespace-wide", Sidecar.getDefaultInstance()),
                sidecar("default", "for-reviews", Sidecar.newBuilder()
                        .setWorkloadSelector(WorkloadSelector.newBuilder().putLabels("app", "reviews")).build()));

        assertThat(mesh.sidecar("default", Map.of("app", "reviews"))).map(SidecarConfig::name).contains("for-reviews");
        assertThat(mesh.sidecar("default", Map.of("app", "ratings"))).map(SidecarConfig::name)
                .contains("namespace-wide");
        assertThat(mesh.sidecar("shop", Map.of())).map(SidecarConfig::name).contains("root");
    }

    @Test
    void sidecarEgressHostsNarrowWhatAProxyMayReach() {
        MeshSnapshot mesh = build(reviewsEntry(), sidecar("default", "narrow", Sidecar.newBuilder()
                .addEgress(IstioEgressListener.newBuilder().addHosts("./ratings.default.svc.cluster.local")
                        .addHosts("istio-system/*"))
                .addEgress(IstioEgressListener.newBuilder().setPort(SidecarPort.newBuilder().setNumber(9090))
                        .addHosts("*/reviews.default.svc.cluster.local"))
                .build()));
        SidecarConfig sidecar = mesh.sidecar("default", Map.of()).orElseThrow();
        MeshService reviews = mesh.service(REVIEWS).orElseThrow();

        assertThat(sidecar.allowsEgress(reviews, 9080)).isFalse();
        assertThat(sidecar.allowsEgress(reviews, 9090)).isTrue();
    }

    @Test
    void unusableObjectsAreLeftOutAndExplained() {
        MeshSnapshot mesh = build(reviewsEntry(),
                object(ConfigKind.SERVICE_ENTRY, "default", "zz-duplicate", ServiceEntry.newBuilder()
                        .addHosts(REVIEWS).addPorts(port(80, "http", "HTTP", 0)).build()),
                object(ConfigKind.SERVICE_ENTRY, "default", "bad-protocol", ServiceEntry.newBuilder()
                        .addHosts("bad.example.com").addPorts(port(80, "x", "SCTP", 0)).build()),
                sidecar("default", "bad-egress", Sidecar.newBuilder()
                        .addEgress(IstioEgressListener.newBuilder().addHosts("no-namespace")).build()),
                sidecar("default", "bad-ingress", Sidecar.newBuilder()
                        .addIngress(IstioIngressListener.newBuilder()
                                .setPort(SidecarPort.newBuilder().setNumber(80).setProtocol("HTTP"))
                                .setDefaultEndpoint("unix:///var/run/app.sock")).build()));

        assertThat(mesh.service(REVIEWS)).map(MeshService::name).contains("reviews");
        assertThat(mesh.service("bad.example.com")).isEmpty();
        assertThat(mesh.problems()).containsExactlyInAnyOrder(
                "ServiceEntry default/bad-protocol: ports[0].protocol: SCTP (expected: one of HTTP, HTTP2, GRPC, "
                        + "GRPC-WEB, HTTPS, TLS, TCP, MONGO, MYSQL, REDIS)",
                "ServiceEntry default/zz-duplicate: host " + REVIEWS + " is already declared by ServiceEntry "
                        + "default/reviews (expected: one ServiceEntry per host)",
                "Sidecar default/bad-egress: egress[0].hosts[0]: no-namespace (expected: namespace/host, e.g. ./* "
                        + "or istio-system/*)",
                "Sidecar default/bad-ingress: ingress[0].defaultEndpoint: unix:///var/run/app.sock (expected: "
                        + "127.0.0.1:PORT, [::1]:PORT or 0.0.0.0:PORT)");
    }

    @Test
    void featuresTheContractHasNoPlaceForAreReported() {
        MeshSnapshot mesh = build(reviewsEntry(),
                virtualService("default", "reviews", VirtualService.newBuilder()
                        .addHosts("reviews")
                        .addTls(TLSRoute.newBuilder().addMatch(TLSMatchAttributes.newBuilder()
                                .addSniHosts("reviews").addDestinationSubnets("10.0.0.0/8")))
                        .addHttp(HTTPRoute.newBuilder()
                                .addRoute(HTTPRouteDestination.newBuilder()
                                        .setDestination(Destination.newBuilder().setHost("reviews"))))
                        .addHttp(HTTPRoute.newBuilder().setDelegate(Delegate.newBuilder().setName("reviews-v2")))),
                sidecar("default", "default", Sidecar.newBuilder()
                        .setOutboundTrafficPolicy(OutboundTrafficPolicy.newBuilder()
                                .setMode(OutboundTrafficPolicy.Mode.ALLOW_ANY))
                        .addEgress(IstioEgressListener.newBuilder().addHosts("./*").setBind("127.0.0.1"))
                        .build()),
                object(ConfigKind.DESTINATION_RULE, "default", "reviews", DestinationRule.newBuilder()
                        .setHost("reviews")
                        .setTrafficPolicy(TrafficPolicy.newBuilder()
                                .setLoadBalancer(LoadBalancerSettings.newBuilder()
                                        .setSimple(LoadBalancerSettings.SimpleLB.PASSTHROUGH))
                                .setTunnel(TrafficPolicy.TunnelSettings.newBuilder().setTargetHost("egress")
                                        .setTargetPort(8080)))
                        .build()));

        assertThat(mesh.virtualService(REVIEWS, "default")).isPresent();
        assertThat(mesh.problems()).containsExactly(
                "VirtualService default/reviews: tls[0].match[0].destinationSubnets: this match is left out "
                        + "(sidecars tell outbound destinations apart by port and SNI, not by address)",
                "VirtualService default/reviews: http[1].delegate: this route is left out (Skiff serves routes to "
                        + "destinations)",
                "DestinationRule default/reviews: trafficPolicy.tunnel: ignored",
                "DestinationRule default/reviews: trafficPolicy.loadBalancer.simple: PASSTHROUGH is served as "
                        + "ROUND_ROBIN (expected: ROUND_ROBIN, LEAST_REQUEST or RANDOM)",
                "Sidecar default/default: outboundTrafficPolicy: ignored",
                "Sidecar default/default: egress[0].bind: ignored");
    }

    @Test
    void aTcpPortSharedWithAnotherServiceIsReported() {
        MeshSnapshot mesh = build(
                object(ConfigKind.SERVICE_ENTRY, "default", "db-a", ServiceEntry.newBuilder()
                        .addHosts("db-a").addPorts(port(5432, "tcp", "TCP", 0)).build()),
                object(ConfigKind.SERVICE_ENTRY, "default", "db-b", ServiceEntry.newBuilder()
                        .addHosts("db-b").addPorts(port(5432, "tcp", "TCP", 0)).build()),
                object(ConfigKind.SERVICE_ENTRY, "default", "web", ServiceEntry.newBuilder()
                        .addHosts("web").addPorts(port(8080, "http", "HTTP", 0)).build()),
                object(ConfigKind.SERVICE_ENTRY, "default", "raw", ServiceEntry.newBuilder()
                        .addHosts("raw").addPorts(port(8080, "tcp", "TCP", 0)).build()));

        assertThat(mesh.problems()).containsExactly(
                "ServiceEntry default/db-b: TCP port 5432 of db-b.default.svc.cluster.local is also used by "
                        + "db-a.default.svc.cluster.local, so sidecars that see both send port 5432 to "
                        + "db-a.default.svc.cluster.local (expected: a TCP port number used by no other service)",
                "ServiceEntry default/raw: TCP port 8080 of raw.default.svc.cluster.local is also used by "
                        + "web.default.svc.cluster.local, so sidecars that see both send port 8080 to "
                        + "web.default.svc.cluster.local (expected: a TCP port number used by no other service)");
    }

    @Test
    void indexesOfUnchangedKindsAreReused() {
        ConfigObject entry = reviewsEntry();
        ConfigObject workload = workloadEntry("default", "reviews-v1", WorkloadEntry.newBuilder()
                .setAddress("127.0.0.11").putLabels("app", "reviews"));
        MeshSnapshot first = MeshSnapshot.next(MeshSnapshot.empty(), new ConfigSnapshot(1, List.of(entry, workload)));
        MeshSnapshot second = MeshSnapshot.next(first, new ConfigSnapshot(2, List.of(entry, workload,
                virtualService("default", "reviews", VirtualService.newBuilder().addHosts("reviews")))));
        MeshSnapshot third = MeshSnapshot.next(second, new ConfigSnapshot(3, List.of(entry, workloadEntry("default",
                "reviews-v1", WorkloadEntry.newBuilder().setAddress("127.0.0.99").putLabels("app", "reviews")))));

        assertThat(second.version()).isEqualTo(2);
        assertThat(second.services()).isSameAs(first.services());
        assertThat(second.instances(REVIEWS, 9080)).isSameAs(first.instances(REVIEWS, 9080));
        assertThat(third.services()).isSameAs(first.services());
        assertThat(third.instances(REVIEWS, 9080)).extracting(WorkloadInstance::address).containsExactly("127.0.0.99");
        assertThat(third.virtualService(REVIEWS, "default")).isEmpty();
    }

    private static MeshSnapshot build(ConfigObject... objects) {
        return MeshSnapshot.next(MeshSnapshot.empty(), new ConfigSnapshot(1, List.of(objects)));
    }

    private static ConfigObject reviewsEntry() {
        return object(ConfigKind.SERVICE_ENTRY, "default", "reviews", ServiceEntry.newBuilder()
                .addHosts("reviews")
                .addPorts(port(9080, "http", "HTTP", 0))
                .addPorts(port(9090, "grpc-admin", "", 19090))
                .setWorkloadSelector(WorkloadSelector.newBuilder().putLabels("app", "reviews"))
                .build());
    }

    private static dev.skiff.api.networking.v1alpha3.ServicePort port(int number, String name, String protocol,
                                                                     int targetPort) {
        return dev.skiff.api.networking.v1alpha3.ServicePort.newBuilder()
                .setNumber(number).setName(name).setProtocol(protocol).setTargetPort(targetPort).build();
    }

    private static ConfigObject workloadEntry(String namespace, String name, WorkloadEntry.Builder spec) {
        return object(ConfigKind.WORKLOAD_ENTRY, namespace, name, spec.build());
    }

    private static ConfigObject virtualService(String namespace, String name, VirtualService.Builder spec) {
        return object(ConfigKind.VIRTUAL_SERVICE, namespace, name, spec.build());
    }

    private static ConfigObject destinationRule(String namespace, String name, String host) {
        return object(ConfigKind.DESTINATION_RULE, namespace, name, DestinationRule.newBuilder().setHost(host).build());
    }

    private static ConfigObject sidecar(String namespace, String name, Sidecar spec) {
        return object(ConfigKind.SIDECAR, namespace, name, spec);
    }

    private static ConfigObject object(ConfigKind kind, String namespace, String name, Message spec) {
        return new ConfigObject(new ConfigKey(kind, namespace, name), "networking.istio.io/v1", Map.of(), Map.of(),
                spec, "test.yaml", 1);
    }
}
