package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.xds.TypeUrls;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ResponseMapper;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A Fallback becomes a local reply mapper in the typed_per_filter_config of the routes it selects. */
class FallbackRouteGeneratorTest {
    private static final String FILTER = "skiff.filters.http.fallback";
    private static final String MESH = MeshYaml.documents(
            MeshYaml.meshInternalService("reviews", 9080, "HTTP", "reviews.default.svc.cluster.local"),
            MeshYaml.meshInternalService("ratings", 9080, "HTTP", "ratings.default.svc.cluster.local"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              http:
              - name: v2
                match: [{uri: {prefix: /v2}}]
                route: [{destination: {host: reviews.default.svc.cluster.local}}]
              - name: rest
                route: [{destination: {host: reviews.default.svc.cluster.local}}]
            """);

    private static VirtualHost host(String fallbacks, String name) throws Exception {
        RouteConfiguration routes = GeneratorFixtures.named(GeneratorFixtures.provider(MESH + fallbacks)
                .resources(GeneratorFixtures.sidecar("127.0.42.1", "client", "default"), TypeUrls.ROUTE, Set.of()),
                "9080", RouteConfiguration.class);
        return routes.getVirtualHostsList().stream()
                .filter(vh -> vh.getName().equals(name)).findFirst().orElseThrow();
    }

    private static LocalReplyConfig fallbackOf(Route route) throws Exception {
        FilterConfig wrapper = route.getTypedPerFilterConfigOrThrow(FILTER).unpack(FilterConfig.class);
        assertThat(wrapper.getIsOptional()).as("Envoy and gRPC clients skip it").isTrue();
        return wrapper.getConfig().unpack(LocalReplyConfig.class);
    }

    @Test
    void aFallbackNamingARouteGivesThatRouteOneLocalReplyMapper() throws Exception {
        VirtualHost reviews = host("""
                ---
                apiVersion: policy.skiff.dev/v1alpha1
                kind: Fallback
                metadata: {name: reviews-v2, namespace: default}
                spec:
                  host: reviews.default.svc.cluster.local
                  routes: [v2]
                  responseFlags: [UO, UH]
                  response:
                    status: 200
                    headers: {content-type: application/json}
                    body: '{"reviews": []}'
                """, "reviews.default.svc.cluster.local:9080");

        Route v2 = reviews.getRoutes(0);
        assertThat(v2.getName()).isEqualTo("v2");
        LocalReplyConfig config = fallbackOf(v2);
        assertThat(config.getMappersCount()).isEqualTo(1);
        ResponseMapper mapper = config.getMappers(0);
        assertThat(mapper.getFilter().getResponseFlagFilter().getFlagsList()).containsExactly("UO", "UH");
        assertThat(mapper.getStatusCode().getValue()).isEqualTo(200);
        assertThat(mapper.getBody().getInlineString()).isEqualTo("{\"reviews\": []}");
        assertThat(mapper.getHeadersToAdd(0).getHeader().getKey()).isEqualTo("content-type");
        assertThat(mapper.getHeadersToAdd(0).getAppendAction())
                .isEqualTo(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
        assertThat(reviews.getRoutes(1).getTypedPerFilterConfigMap()).doesNotContainKey(FILTER);
    }

    @Test
    void aFallbackWithoutRoutesCoversEveryRouteOfItsHostOnly() throws Exception {
        String fallback = """
                ---
                apiVersion: policy.skiff.dev/v1alpha1
                kind: Fallback
                metadata: {name: ratings, namespace: default}
                spec:
                  host: ratings.default.svc.cluster.local
                  responseFlags: [URX]
                  response: {status: 503, body: try again later}
                """;

        Route ratingsDefault = host(fallback, "ratings.default.svc.cluster.local:9080").getRoutes(0);
        assertThat(ratingsDefault.getName()).isEqualTo("default");
        assertThat(fallbackOf(ratingsDefault).getMappers(0).getBody().getInlineString())
                .isEqualTo("try again later");
        assertThat(host(fallback, "reviews.default.svc.cluster.local:9080").getRoutesList())
                .allSatisfy(route -> assertThat(route.getTypedPerFilterConfigMap()).doesNotContainKey(FILTER));
    }
}
