package dev.skiff.controlplane.xds.generator;

import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.reviewsInboundHcm;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import org.junit.jupiter.api.Test;

/** The inbound HTTP connection manager of a workload runs the RBAC filters of its AuthorizationPolicies first. */
class RbacListenerGeneratorTest {
    @Test
    void denyAndAllowFiltersGoFirst() throws Exception {
        HttpConnectionManager hcm = reviewsInboundHcm("""
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
        assertThat(reviewsInboundHcm("").getHttpFiltersList()).extracting(HttpFilter::getName)
                .containsExactly("envoy.filters.http.fault", "envoy.filters.http.router");
    }
}
