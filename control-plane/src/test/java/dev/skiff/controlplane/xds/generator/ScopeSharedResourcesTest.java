package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Resource lists are shared by proxies whose inputs for the type agree, and only by them. */
class ScopeSharedResourcesTest {
    private static final String MESH = MeshYaml.documents(MeshYaml.shortNameService("reviews", 9080), """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ratings, namespace: default}
            spec:
              hosts: [ratings]
              ports: [{number: 9080, name: http, protocol: HTTP}]
              resolution: STATIC
              endpoints: [{address: 127.0.0.40}]
            """,
            MeshYaml.workload("reviews-v1", "default", "127.0.0.11", "app: reviews, version: v1"),
            MeshYaml.workload("reviews-v2", "default", "127.0.0.12", "app: reviews, version: v2"),
            MeshYaml.workload("client", "default", "127.0.0.2", "app: client"),
            MeshYaml.workload("reviews-v1", "shop", "127.0.0.13", "app: reviews, version: v1"));

    private final DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();

    @Test
    void sidecarsOfOneScopeShareClusterEndpointAndRouteListsButNotListeners() throws Exception {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));
        ProxyView v1 = sidecar("reviews-v1", "default");
        ProxyView v2 = sidecar("reviews-v2", "default");

        for (String typeUrl : Set.of(TypeUrls.CLUSTER, TypeUrls.ENDPOINT, TypeUrls.ROUTE)) {
            Collection<XdsResource> first = provider.resources(v1, typeUrl, Set.of());
            assertThat(first).as(typeUrl).isNotEmpty();
            assertThat(provider.resources(v2, typeUrl, Set.of())).as(typeUrl).isSameAs(first);
        }
        Collection<XdsResource> v1Listeners = provider.resources(v1, TypeUrls.LISTENER, Set.of());
        Collection<XdsResource> v2Listeners = provider.resources(v2, TypeUrls.LISTENER, Set.of());
        assertThat(v2Listeners).isNotSameAs(v1Listeners);
        assertThat(address(v1Listeners)).isEqualTo("127.0.0.11");
        assertThat(address(v2Listeners)).isEqualTo("127.0.0.12");
    }

    @Test
    void sidecarsWithOtherInboundPortsShareEndpointsAndRoutesButNotClusters() {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));
        ProxyView reviews = sidecar("reviews-v1", "default");
        ProxyView client = sidecar("client", "default");

        assertThat(provider.resources(client, TypeUrls.ENDPOINT, Set.of()))
                .isSameAs(provider.resources(reviews, TypeUrls.ENDPOINT, Set.of()));
        assertThat(provider.resources(client, TypeUrls.ROUTE, Set.of()))
                .isSameAs(provider.resources(reviews, TypeUrls.ROUTE, Set.of()));
        assertThat(provider.resources(reviews, TypeUrls.CLUSTER, Set.of())).extracting(XdsResource::name)
                .contains("inbound|9080||");
        assertThat(provider.resources(client, TypeUrls.CLUSTER, Set.of())).extracting(XdsResource::name)
                .doesNotContain("inbound|9080||");
    }

    @Test
    void sidecarsOfOtherNamespacesGetTheirOwnLists() throws Exception {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));
        ProxyView inDefault = sidecar("reviews-v1", "default");
        ProxyView inShop = sidecar("reviews-v1", "shop");

        for (String typeUrl : Set.of(TypeUrls.CLUSTER, TypeUrls.ENDPOINT, TypeUrls.ROUTE)) {
            assertThat(provider.resources(inShop, typeUrl, Set.of())).as(typeUrl)
                    .isNotSameAs(provider.resources(inDefault, typeUrl, Set.of()));
        }
        RouteConfiguration shopRoutes = provider.resources(inShop, TypeUrls.ROUTE, Set.of()).iterator().next()
                .body().unpack(RouteConfiguration.class);
        assertThat(shopRoutes.getVirtualHosts(0).getDomainsList()).doesNotContain("ratings", "reviews");
    }

    @Test
    void aSidecarResourceSelectingSomeWorkloadsSeparatesTheirScope() {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: v2-only-ratings, namespace: default}
                spec:
                  workloadSelector: {labels: {version: v2}}
                  egress:
                    - hosts: ["./ratings.default.svc.cluster.local"]
                """));
        ProxyView v1 = sidecar("reviews-v1", "default");
        ProxyView v2 = sidecar("reviews-v2", "default");

        for (String typeUrl : Set.of(TypeUrls.CLUSTER, TypeUrls.ENDPOINT, TypeUrls.ROUTE)) {
            assertThat(provider.resources(v2, typeUrl, Set.of())).as(typeUrl)
                    .isNotSameAs(provider.resources(v1, typeUrl, Set.of()));
        }
        assertThat(provider.resources(v2, TypeUrls.ENDPOINT, Set.of())).extracting(XdsResource::name)
                .containsExactly("outbound|9080||ratings.default.svc.cluster.local");
        assertThat(provider.resources(v1, TypeUrls.ENDPOINT, Set.of())).extracting(XdsResource::name)
                .containsExactly("outbound|9080||ratings.default.svc.cluster.local",
                        "outbound|9080||reviews.default.svc.cluster.local");
    }

    @Test
    void routesDifferOnlyBetweenSidecarsWhoseLabelsMatchOtherSourceLabels() throws Exception {
        provider.update(MeshConfigs.parse("mesh.yaml", MESH + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings, namespace: default}
                spec:
                  hosts: [ratings]
                  http:
                    - name: from-v1
                      match: [{sourceLabels: {version: v1}}]
                      route: [{destination: {host: reviews}}]
                    - route: [{destination: {host: ratings}}]
                """));
        ProxyView v1 = sidecar("reviews-v1", "default");
        ProxyView v2 = sidecar("reviews-v2", "default");
        ProxyView client = sidecar("client", "default");

        Collection<XdsResource> v1Routes = provider.resources(v1, TypeUrls.ROUTE, Set.of());
        Collection<XdsResource> v2Routes = provider.resources(v2, TypeUrls.ROUTE, Set.of());
        assertThat(v2Routes).isNotSameAs(v1Routes);
        assertThat(provider.resources(client, TypeUrls.ROUTE, Set.of())).isSameAs(v2Routes);
        assertThat(routeNames(v1Routes)).contains("from-v1");
        assertThat(routeNames(v2Routes)).doesNotContain("from-v1");
        assertThat(provider.resources(v2, TypeUrls.CLUSTER, Set.of()))
                .isSameAs(provider.resources(v1, TypeUrls.CLUSTER, Set.of()));
    }

    private static List<String> routeNames(Collection<XdsResource> routes) throws Exception {
        RouteConfiguration config = routes.iterator().next().body().unpack(RouteConfiguration.class);
        return config.getVirtualHostsList().stream()
                .flatMap(host -> host.getRoutesList().stream().map(Route::getName)).toList();
    }

    private static String address(Collection<XdsResource> listeners) throws Exception {
        return listeners.iterator().next().body().unpack(Listener.class).getAddress().getSocketAddress()
                .getAddress();
    }

    private static ProxyView sidecar(String workload, String namespace) {
        return GeneratorFixtures.sidecar("127.0.0.99", workload, namespace);
    }
}
