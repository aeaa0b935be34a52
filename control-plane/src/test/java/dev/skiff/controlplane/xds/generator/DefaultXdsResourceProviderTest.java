package dev.skiff.controlplane.xds.generator;

import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.named;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.controlplane.config.ConfigSnapshot;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DefaultXdsResourceProviderTest {
    private static final String MESH = MeshYaml.documents(MeshYaml.shortNameService("reviews", 9080), """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: internal, namespace: default}
            spec:
              hosts: [internal]
              exportTo: ["."]
              ports: [{number: 7070, name: http, protocol: HTTP}]
              resolution: STATIC
              endpoints: [{address: 127.0.0.40}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: orders, namespace: shop}
            spec:
              hosts: [orders]
              ports: [{number: 8080, name: grpc, protocol: GRPC}]
              resolution: STATIC
              endpoints: [{address: 127.0.0.41}]
            """,
            MeshYaml.workload("reviews-v1", "default", "127.0.0.11", "app: reviews, version: v1"),
            MeshYaml.workload("client", "default", "127.0.0.2", "app: client"),
            MeshYaml.workload("web", "shop", "127.0.0.3", "app: web"));

    private final DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();

    @Test
    void outboundClustersAndEndpointsAreTheSameInstancesForEveryProxy() {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));
        ProxyView client = sidecar("client", "default");
        ProxyView reviews = sidecar("reviews-v1", "default");
        ProxyView proxyless = new ProxyView("grpc-1", ProxyView.Kind.PROXYLESS, null, "default", Map.of());

        XdsResource fromClient = named(provider.resources(client, TypeUrls.CLUSTER, Set.of()),
                "outbound|9080||reviews.default.svc.cluster.local");
        assertThat(named(provider.resources(reviews, TypeUrls.CLUSTER, Set.of()),
                "outbound|9080||reviews.default.svc.cluster.local")).isSameAs(fromClient);
        assertThat(provider.resources(proxyless, TypeUrls.CLUSTER,
                Set.of("outbound|9080||reviews.default.svc.cluster.local"))).containsExactly(fromClient);
        assertThat(named(provider.resources(reviews, TypeUrls.ENDPOINT, Set.of()),
                "outbound|9080||reviews.default.svc.cluster.local"))
                .isSameAs(named(provider.resources(client, TypeUrls.ENDPOINT, Set.of()),
                        "outbound|9080||reviews.default.svc.cluster.local"));
    }

    @Test
    void portRoutesAreSharedWithinANamespaceAndDifferAcrossNamespaces() throws Exception {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));
        XdsResource forClient = named(provider.resources(sidecar("client", "default"), TypeUrls.ROUTE, Set.of()),
                "9080");
        XdsResource forReviews = named(provider.resources(sidecar("reviews-v1", "default"), TypeUrls.ROUTE,
                Set.of("9080")), "9080");
        XdsResource forShop = named(provider.resources(sidecar("web", "shop"), TypeUrls.ROUTE, Set.of()), "9080");

        assertThat(forReviews).isSameAs(forClient);
        assertThat(forShop.version()).isNotEqualTo(forClient.version());
        assertThat(forShop.body().unpack(RouteConfiguration.class).getVirtualHosts(0).getDomainsList())
                .containsExactly("reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local:9080");
    }

    @Test
    void listenersBindTheWorkloadAddress() throws Exception {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));

        Collection<XdsResource> listeners = provider.resources(sidecar("reviews-v1", "default"), TypeUrls.LISTENER,
                Set.of());

        assertThat(listeners).extracting(XdsResource::name).containsExactly("virtualOutbound", "inbound|9080");
        Listener outbound = named(listeners, "virtualOutbound").body().unpack(Listener.class);
        assertThat(outbound.getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.11");
        assertThat(outbound.getAddress().getSocketAddress().getPortValue()).isEqualTo(15001);
        assertThat(outbound.getFilterChainsList()).extracting(chain -> chain.getFilterChainMatch()
                .getDestinationPort().getValue()).containsExactly(7070, 8080, 9080);
    }

    @Test
    void aSidecarWithoutWorkloadEntryBindsTheAddressOfItsNodeId() throws Exception {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));

        Collection<XdsResource> listeners = provider.resources(sidecar("unknown", "default"), TypeUrls.LISTENER,
                Set.of());

        assertThat(listeners).extracting(XdsResource::name).containsExactly("virtualOutbound");
        assertThat(named(listeners, "virtualOutbound").body().unpack(Listener.class).getAddress().getSocketAddress()
                .getAddress()).isEqualTo("127.0.0.99");
    }

    @Test
    void exportToDotHidesAServiceFromOtherNamespaces() {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));

        assertThat(provider.resources(sidecar("client", "default"), TypeUrls.CLUSTER, Set.of()))
                .extracting(XdsResource::name).contains("outbound|7070||internal.default.svc.cluster.local");
        assertThat(provider.resources(sidecar("web", "shop"), TypeUrls.CLUSTER, Set.of()))
                .extracting(XdsResource::name).doesNotContain("outbound|7070||internal.default.svc.cluster.local")
                .contains("outbound|9080||reviews.default.svc.cluster.local");
    }

    @Test
    void sidecarEgressHostsNarrowEveryResourceType() {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: shop}
                spec:
                  egress:
                    - hosts: ["./*"]
                """));
        ProxyView web = sidecar("web", "shop");

        assertThat(provider.resources(web, TypeUrls.CLUSTER, Set.of())).extracting(XdsResource::name)
                .containsExactly("outbound|8080||orders.shop.svc.cluster.local");
        assertThat(provider.resources(web, TypeUrls.ENDPOINT, Set.of())).extracting(XdsResource::name)
                .containsExactly("outbound|8080||orders.shop.svc.cluster.local");
        assertThat(provider.resources(web, TypeUrls.ROUTE, Set.of())).extracting(XdsResource::name)
                .containsExactly("8080");
        assertThat(provider.resources(sidecar("client", "default"), TypeUrls.CLUSTER, Set.of()))
                .hasSizeGreaterThan(1);
    }

    @Test
    void sidecarIngressDefaultEndpointReplacesServiceDerivedInboundPorts() throws Exception {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: reviews, namespace: default}
                spec:
                  workloadSelector: {labels: {app: reviews}}
                  ingress:
                    - port: {number: 9080, protocol: HTTP, name: http}
                      defaultEndpoint: 127.0.0.1:8000
                """));
        ProxyView reviews = sidecar("reviews-v1", "default");

        Cluster inbound = named(provider.resources(reviews, TypeUrls.CLUSTER, Set.of()), "inbound|9080||").body()
                .unpack(Cluster.class);
        assertThat(inbound.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
        assertThat(inbound.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                .getSocketAddress().getPortValue()).isEqualTo(8000);
        assertThat(provider.resources(reviews, TypeUrls.LISTENER, Set.of())).extracting(XdsResource::name)
                .containsExactly("virtualOutbound", "inbound|9080");
    }

    @Test
    void proxylessClientsAskForListenersByHostAndPortIncludingShortNames() throws Exception {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));
        ProxyView client = new ProxyView("grpc-1", ProxyView.Kind.PROXYLESS, null, "shop", Map.of());

        Collection<XdsResource> listeners = provider.resources(client, TypeUrls.LISTENER,
                Set.of("orders:8080", "orders.shop.svc.cluster.local:8080", "missing:1", "no-port"));

        assertThat(listeners).extracting(XdsResource::name)
                .containsExactly("orders.shop.svc.cluster.local:8080", "orders:8080");
        HttpConnectionManager manager = named(listeners, "orders:8080").body().unpack(Listener.class)
                .getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        assertThat(manager.getRds().getRouteConfigName()).isEqualTo("orders.shop.svc.cluster.local:8080");
        assertThat(provider.resources(client, TypeUrls.ROUTE, Set.of("orders.shop.svc.cluster.local:8080")))
                .extracting(XdsResource::name).containsExactly("orders.shop.svc.cluster.local:8080");
    }

    @Test
    void redirectsAndDirectResponsesAreRoutesTheProxyAnswers() throws Exception {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: [reviews]
                  http:
                    - name: moved
                      match: [{uri: {exact: /old}}]
                      redirect: {uri: /new}
                    - name: gone
                      directResponse: {status: 410, body: {string: gone}}
                """));

        RouteConfiguration routes = named(provider.resources(sidecar("client", "default"), TypeUrls.ROUTE,
                Set.of("9080")), "9080").body().unpack(RouteConfiguration.class);

        assertThat(routes.getVirtualHosts(0).getRoutesList()).extracting(route -> route.getName())
                .containsExactly("moved", "gone");
        assertThat(routes.getVirtualHosts(0).getRoutes(0).getRedirect().getPathRedirect()).isEqualTo("/new");
        assertThat(routes.getVirtualHosts(0).getRoutes(1).getDirectResponse().getStatus()).isEqualTo(410);
        assertThat(provider.mesh().problems()).isEmpty();
    }

    @Test
    void snapshotVersionChangesOnEveryUpdateWhileUnchangedResourcesStayTheSameInstances() {
        ConfigSnapshot config = MeshConfigs.parse("mesh.yaml", MESH);
        provider.update(config);
        String firstVersion = provider.snapshotVersion();
        XdsResource before = named(provider.resources(sidecar("client", "default"), TypeUrls.CLUSTER, Set.of()),
                "outbound|9080||reviews.default.svc.cluster.local");

        provider.update(config);

        assertThat(provider.snapshotVersion()).isNotEqualTo(firstVersion);
        XdsResource after = named(provider.resources(sidecar("client", "default"), TypeUrls.CLUSTER, Set.of()),
                "outbound|9080||reviews.default.svc.cluster.local");
        assertThat(after).isSameAs(before);
        assertThat(after.version()).hasSize(16);
    }

    @Test
    void unknownTypeUrlIsRejected() {
        assertThatThrownBy(() -> provider.resources(sidecar("client", "default"),
                "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("typeUrl: type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
                        + " (expected: one of [");
    }

    @Test
    void readersSeeCompleteSnapshotsWhileUpdatesSwapThem() throws Exception {
        ConfigSnapshot small = MeshConfigs.parse("mesh.yaml", MESH);
        ConfigSnapshot large = MeshConfigs.parse("mesh.yaml", MESH + """
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: default}
                spec:
                  host: reviews
                  subsets: [{name: v1, labels: {version: v1}}]
                """);
        provider.update(small);
        int readers = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        try {
            List<Future<List<Integer>>> sizes = new ArrayList<>();
            for (int i = 0; i < readers; i++) {
                ProxyView proxy = sidecar(i % 2 == 0 ? "client" : "reviews-v1", "default");
                sizes.add(pool.submit(() -> {
                    start.await();
                    List<Integer> seen = new ArrayList<>();
                    for (int round = 0; round < 200; round++) {
                        seen.add(provider.resources(proxy, TypeUrls.ENDPOINT, Set.of()).size());
                    }
                    return seen;
                }));
            }
            start.countDown();
            for (int round = 0; round < 50; round++) {
                provider.update(round % 2 == 0 ? large : small);
            }
            for (Future<List<Integer>> future : sizes) {
                assertThat(future.get()).allSatisfy(size -> assertThat(size).isIn(3, 4));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static ProxyView sidecar(String workload, String namespace) {
        return GeneratorFixtures.sidecar("127.0.0.99", workload, namespace);
    }
}
