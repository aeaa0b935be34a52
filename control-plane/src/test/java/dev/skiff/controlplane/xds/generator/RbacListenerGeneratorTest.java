package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The inbound HTTP connection manager of a workload runs the RBAC filters of its AuthorizationPolicies first. */
class RbacListenerGeneratorTest {

    private static final String MESH = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP, targetPort: 9080}]
              workloadSelector: {labels: {app: reviews}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews-v1, namespace: default}
            spec:
              address: 127.0.0.11
              serviceAccount: bookinfo-reviews
              labels: {app: reviews}
            """;

    private static HttpConnectionManager inboundHcm(String extra) throws Exception {
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(MeshConfigs.parse("mesh.yaml", MESH + extra));
        ProxyView reviews = new ProxyView("sidecar~127.0.0.11~reviews-v1.default~default.svc.cluster.local",
                ProxyView.Kind.SIDECAR, "reviews-v1", "default", Map.of());
        XdsResource resource = provider.resources(reviews, TypeUrls.LISTENER, Set.of()).stream()
                .filter(r -> r.name().equals("inbound|9080")).findFirst().orElseThrow();
        Listener listener = resource.body().unpack(Listener.class);
        return listener.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    }

    @Test
    void denyAndAllowFiltersGoFirst() throws Exception {
        HttpConnectionManager hcm = inboundHcm("""
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: no-admin, namespace: default}
                spec:
                  selector: {matchLabels: {app: reviews}}
                  action: DENY
                  rules:
                  - to:
                    - operation: {paths: ["/admin*"]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: reads, namespace: istio-system}
                spec:
                  rules:
                  - to:
                    - operation: {methods: [GET]}
                """);

        assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName).containsExactly(
                "envoy.filters.http.rbac", "envoy.filters.http.rbac", "envoy.filters.http.fault",
                "envoy.filters.http.router");
        RBAC deny = hcm.getHttpFilters(0).getTypedConfig()
                .unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
        assertThat(deny.getAction()).isEqualTo(RBAC.Action.DENY);
        assertThat(deny.getPoliciesMap()).containsOnlyKeys("ns[default]-policy[no-admin]-rule[0]");
        RBAC allow = hcm.getHttpFilters(1).getTypedConfig()
                .unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
        assertThat(allow.getPoliciesMap()).containsOnlyKeys("ns[istio-system]-policy[reads]-rule[0]");
    }

    @Test
    void withoutPoliciesTheChainIsUnchanged() throws Exception {
        assertThat(inboundHcm("").getHttpFiltersList()).extracting(HttpFilter::getName)
                .containsExactly("envoy.filters.http.fault", "envoy.filters.http.router");
    }
}
