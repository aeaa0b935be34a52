package dev.skiff.controlplane.model;

import dev.skiff.api.security.v1beta1.PeerAuthentication;
import dev.skiff.api.type.v1beta1.WorkloadSelector;
import dev.skiff.controlplane.config.ConfigKey;
import dev.skiff.controlplane.config.ConfigKind;
import dev.skiff.controlplane.config.ConfigObject;
import dev.skiff.controlplane.model.PeerAuthentications.Mode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PeerAuthenticationsTest {

    private static final Map<String, String> REVIEWS = Map.of("app", "reviews");

    private static ConfigObject policy(String namespace, String name, Map<String, String> selector,
                                       PeerAuthentication.MutualTLS.Mode mode,
                                       Map<Integer, PeerAuthentication.MutualTLS.Mode> ports) {
        PeerAuthentication.Builder spec = PeerAuthentication.newBuilder();
        if (!selector.isEmpty()) {
            spec.setSelector(WorkloadSelector.newBuilder().putAllMatchLabels(selector));
        }
        if (mode != null) {
            spec.setMtls(PeerAuthentication.MutualTLS.newBuilder().setMode(mode));
        }
        ports.forEach((port, portMode) -> spec.putPortLevelMtls(port,
                PeerAuthentication.MutualTLS.newBuilder().setMode(portMode).build()));
        return new ConfigObject(new ConfigKey(ConfigKind.PEER_AUTHENTICATION, namespace, name),
                "security.istio.io/v1", Map.of(), Map.of(), spec.build(), "test.yaml", 1);
    }

    private static ConfigObject policy(String namespace, String name, PeerAuthentication.MutualTLS.Mode mode) {
        return policy(namespace, name, Map.of(), mode, Map.of());
    }

    @Test
    void permissiveWithoutAnyPolicy() {
        assertThat(PeerAuthentications.EMPTY.mode("default", REVIEWS, 9080)).isEqualTo(Mode.PERMISSIVE);
    }

    @Test
    void meshWidePolicyLivesInTheRootNamespace() {
        PeerAuthentications policies = PeerAuthentications.of(List.of(
                policy("istio-system", "default", PeerAuthentication.MutualTLS.Mode.STRICT)));

        assertThat(policies.mode("default", REVIEWS, 9080)).isEqualTo(Mode.STRICT);
        assertThat(policies.mode("istio-system", Map.of(), 15012)).isEqualTo(Mode.STRICT);
    }

    @Test
    void namespacePolicyOverridesTheMeshAndUnsetInherits() {
        PeerAuthentications policies = PeerAuthentications.of(List.of(
                policy("istio-system", "default", PeerAuthentication.MutualTLS.Mode.STRICT),
                policy("legacy", "default", PeerAuthentication.MutualTLS.Mode.PERMISSIVE),
                policy("other", "default", PeerAuthentication.MutualTLS.Mode.UNSET)));

        assertThat(policies.mode("legacy", REVIEWS, 9080)).isEqualTo(Mode.PERMISSIVE);
        assertThat(policies.mode("other", REVIEWS, 9080)).isEqualTo(Mode.STRICT);
        assertThat(policies.mode("default", REVIEWS, 9080)).isEqualTo(Mode.STRICT);
    }

    @Test
    void workloadPolicyOverridesItsNamespaceAndPortLevelOverridesTheWorkload() {
        PeerAuthentications policies = PeerAuthentications.of(List.of(
                policy("default", "default", PeerAuthentication.MutualTLS.Mode.STRICT),
                policy("default", "reviews", REVIEWS, null,
                        Map.of(9090, PeerAuthentication.MutualTLS.Mode.DISABLE)),
                policy("default", "ratings", Map.of("app", "ratings"), PeerAuthentication.MutualTLS.Mode.DISABLE,
                        Map.of(9080, PeerAuthentication.MutualTLS.Mode.STRICT,
                                9081, PeerAuthentication.MutualTLS.Mode.UNSET))));

        assertThat(policies.mode("default", REVIEWS, 9080)).isEqualTo(Mode.STRICT);
        assertThat(policies.mode("default", REVIEWS, 9090)).isEqualTo(Mode.DISABLE);
        assertThat(policies.mode("default", Map.of("app", "ratings"), 9080)).isEqualTo(Mode.STRICT);
        assertThat(policies.mode("default", Map.of("app", "ratings"), 9081)).isEqualTo(Mode.DISABLE);
        assertThat(policies.mode("default", Map.of("app", "details"), 9080)).isEqualTo(Mode.STRICT);
    }

    @Test
    void selectorsApplyOnlyInTheirNamespaceAndTheFirstByNameWins() {
        PeerAuthentications policies = PeerAuthentications.of(List.of(
                policy("istio-system", "selects-reviews", REVIEWS, PeerAuthentication.MutualTLS.Mode.DISABLE,
                        Map.of()),
                policy("default", "b", REVIEWS, PeerAuthentication.MutualTLS.Mode.DISABLE, Map.of()),
                policy("default", "a", REVIEWS, PeerAuthentication.MutualTLS.Mode.STRICT, Map.of())));

        assertThat(policies.mode("default", REVIEWS, 9080)).isEqualTo(Mode.STRICT);
        assertThat(policies.mode("other", REVIEWS, 9080)).isEqualTo(Mode.PERMISSIVE);
    }
}
