package dev.skiff.controlplane.xds.generator;

import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.reviewsInboundHcm;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import org.junit.jupiter.api.Test;

/** A workload selected by a LocalRateLimit gets Envoy's local rate limit on its inbound HTTP connection manager. */
class LocalRateLimitListenerGeneratorTest {
    @Test
    void theSelectedWorkloadsInboundRouteCarriesTheBucket() throws Exception {
        HttpConnectionManager hcm = reviewsInboundHcm("""
                ---
                apiVersion: policy.skiff.dev/v1alpha1
                kind: LocalRateLimit
                metadata: {name: reviews-limit, namespace: default}
                spec:
                  workloadSelector: {labels: {app: reviews}}
                  limits:
                  - name: all
                    tokenBucket: {maxTokens: 10, tokensPerFill: 10, fillInterval: 1s}
                """);

        assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName).containsExactly(
                "envoy.filters.http.fault", "envoy.filters.http.local_ratelimit", "envoy.filters.http.router");
        assertThat(hcm.getHttpFilters(1).getTypedConfig().unpack(LocalRateLimit.class))
                .isEqualTo(LocalRateLimit.newBuilder().setStatPrefix("http_local_rate_limiter").build());
        Route route = hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0);
        LocalRateLimit perRoute = route.getTypedPerFilterConfigOrThrow("envoy.filters.http.local_ratelimit")
                .unpack(LocalRateLimit.class);
        assertThat(perRoute.getTokenBucket().getMaxTokens()).isEqualTo(10);
        assertThat(perRoute.getTokenBucket().getTokensPerFill().getValue()).isEqualTo(10);
        assertThat(perRoute.getFilterEnforced().getDefaultValue().getNumerator()).isEqualTo(100);
    }

    @Test
    void otherWorkloadsAreNotLimited() throws Exception {
        HttpConnectionManager hcm = reviewsInboundHcm("""
                ---
                apiVersion: policy.skiff.dev/v1alpha1
                kind: LocalRateLimit
                metadata: {name: ratings-limit, namespace: default}
                spec:
                  workloadSelector: {labels: {app: ratings}}
                  limits:
                  - name: all
                    tokenBucket: {maxTokens: 10, fillInterval: 1s}
                """);

        assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName)
                .containsExactly("envoy.filters.http.fault", "envoy.filters.http.router");
        assertThat(hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0).getTypedPerFilterConfigMap()).isEmpty();
    }

    @Test
    void aRouteScopedLimitGetsAnInboundRouteWithTheVirtualServiceRoutesMatches() throws Exception {
        HttpConnectionManager hcm = reviewsInboundHcm("""
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: [reviews.default.svc.cluster.local]
                  http:
                  - name: checkout
                    match:
                    - uri: {prefix: /checkout}
                      method: {exact: POST}
                    - uri: {exact: /buy}
                      port: 8000
                    - uri: {exact: /gateway-only}
                      gateways: [istio-system/ingress]
                    route:
                    - destination: {host: reviews.default.svc.cluster.local}
                  - name: rest
                    route:
                    - destination: {host: reviews.default.svc.cluster.local}
                ---
                apiVersion: policy.skiff.dev/v1alpha1
                kind: LocalRateLimit
                metadata: {name: reviews-limit, namespace: default}
                spec:
                  workloadSelector: {labels: {app: reviews}}
                  limits:
                  - name: checkout
                    route: checkout
                    tokenBucket: {maxTokens: 2, fillInterval: 1s}
                    headerBuckets:
                      header: X-Tenant
                      values:
                      - value: gold
                        tokenBucket: {maxTokens: 50, fillInterval: 1s}
                """);

        assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName).containsExactly(
                "envoy.filters.http.fault", "envoy.filters.http.local_ratelimit", "envoy.filters.http.router");
        var routes = hcm.getRouteConfig().getVirtualHosts(0).getRoutesList();
        assertThat(routes).extracting(Route::getName).containsExactly("checkout", "default");
        Route checkout = routes.getFirst();
        assertThat(checkout.getMatch().getPrefix()).isEqualTo("/checkout");
        assertThat(checkout.getMatch().getHeaders(0).getName()).isEqualTo(":method");
        assertThat(checkout.getRoute().getCluster()).isEqualTo("inbound|9080||");
        LocalRateLimit perRoute = checkout.getTypedPerFilterConfigOrThrow("envoy.filters.http.local_ratelimit")
                .unpack(LocalRateLimit.class);
        assertThat(perRoute.getTokenBucket().getMaxTokens()).isEqualTo(2);
        assertThat(perRoute.getRateLimits(0).getActions(0).getRequestHeaders().getHeaderName()).isEqualTo("x-tenant");
        assertThat(perRoute.getRateLimits(0).getActions(0).getRequestHeaders().getDescriptorKey())
                .isEqualTo("x-tenant");
        assertThat(perRoute.getDescriptors(0).getEntries(0).getKey()).isEqualTo("x-tenant");
        assertThat(perRoute.getDescriptors(0).getEntries(0).getValue()).isEqualTo("gold");
        assertThat(perRoute.getDescriptors(0).getTokenBucket().getMaxTokens()).isEqualTo(50);
        assertThat(perRoute.getAlwaysConsumeDefaultTokenBucket().getValue()).isFalse();
        assertThat(routes.get(1).getMatch().getPrefix()).isEqualTo("/");
        assertThat(routes.get(1).getTypedPerFilterConfigMap()).isEmpty();
    }
}
