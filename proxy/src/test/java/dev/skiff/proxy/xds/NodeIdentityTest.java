package dev.skiff.proxy.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeIdentityTest {
    @Test
    void parsesWorkloadDotNamespace() {
        NodeIdentity identity = NodeIdentity.parse("productpage-v1.bookinfo", Optional.of("127.0.0.5"),
                Map.of("app", "productpage"));

        assertThat(identity.workload()).isEqualTo("productpage-v1");
        assertThat(identity.namespace()).isEqualTo("bookinfo");
        assertThat(identity.nodeId()).isEqualTo("sidecar~127.0.0.5~productpage-v1.bookinfo~bookinfo.svc.cluster.local");
    }

    @Test
    void nodeCarriesIstioMetadata() {
        Node node = new NodeIdentity("reviews-v2", "default", Optional.of("127.0.0.7"),
                Map.of("app", "reviews", "version", "v2")).toNode();

        var fields = node.getMetadata().getFieldsMap();
        assertThat(fields.get("NAMESPACE").getStringValue()).isEqualTo("default");
        assertThat(fields.get("WORKLOAD_NAME").getStringValue()).isEqualTo("reviews-v2");
        assertThat(fields.get("INSTANCE_IPS").getStringValue()).isEqualTo("127.0.0.7");
        assertThat(fields.get("LABELS").getStructValue().getFieldsMap().get("version").getStringValue())
                .isEqualTo("v2");
    }

    @Test
    void unknownAddressIsAllZerosAndHasNoInstanceIps() {
        NodeIdentity identity = new NodeIdentity("reviews-v1", "default", Optional.empty(), Map.of());

        assertThat(identity.nodeId()).isEqualTo("sidecar~0.0.0.0~reviews-v1.default~default.svc.cluster.local");
        assertThat(identity.toNode().getMetadata().getFieldsMap()).doesNotContainKey("INSTANCE_IPS");
    }

    @Test
    void rejectsMalformedWorkloads() {
        assertThatThrownBy(() -> NodeIdentity.parse("reviews", Optional.empty(), Map.of()))
                .hasMessage("workload: 'reviews' (expected: NAME.NAMESPACE, e.g. reviews-v1.default)");
        assertThatThrownBy(() -> NodeIdentity.parse("a.b.c", Optional.empty(), Map.of()))
                .hasMessage("workload: 'a.b.c' (expected: NAME.NAMESPACE, e.g. reviews-v1.default)");
        assertThatThrownBy(() -> new NodeIdentity("a~b", "default", Optional.empty(), Map.of()))
                .hasMessage("workload: 'a~b' (expected: a non-empty name without '.' or '~')");
    }
}
