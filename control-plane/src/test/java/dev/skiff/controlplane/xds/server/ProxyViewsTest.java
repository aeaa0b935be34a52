package dev.skiff.controlplane.xds.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.skiff.controlplane.xds.ProxyView;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyViewsTest {
    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    private static Node node(String id, Struct metadata) {
        return Node.newBuilder().setId(id).setMetadata(metadata).build();
    }

    private static void assertInvalid(Node node, String messagePart) {
        assertThatThrownBy(() -> ProxyViews.fromNode(node))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains(messagePart);
                });
    }

    @Test
    void sidecarIdentityComesFromTheIdAndMetadata() {
        Node node = AdsTestClient.sidecarNode("reviews-v2", "bookinfo");
        ProxyView view = ProxyViews.fromNode(node);
        assertThat(view).isEqualTo(new ProxyView(node.getId(), ProxyView.Kind.SIDECAR, "reviews-v2", "bookinfo",
                Map.of("app", "reviews-v2")));
    }

    @Test
    void sidecarWithoutMetadataUsesTheId() {
        ProxyView view = ProxyViews.fromNode(node("sidecar~10.1.2.3~ratings.v1.prod~prod.svc.cluster.local",
                Struct.getDefaultInstance()));
        assertThat(view.kind()).isEqualTo(ProxyView.Kind.SIDECAR);
        assertThat(view.workload()).as("workload names may contain dots").isEqualTo("ratings.v1");
        assertThat(view.namespace()).isEqualTo("prod");
        assertThat(view.labels()).isEmpty();
    }

    @Test
    void anyOtherIdIsAProxylessClient() {
        ProxyView plain = ProxyViews.fromNode(node("grpc-client", Struct.getDefaultInstance()));
        assertThat(plain).isEqualTo(new ProxyView("grpc-client", ProxyView.Kind.PROXYLESS, null, "default", Map.of()));

        ProxyView namespaced = ProxyViews.fromNode(node("grpc-client", Struct.newBuilder()
                .putFields("NAMESPACE", string("prod"))
                .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                        .putFields("app", string("frontend"))).build())
                .build()));
        assertThat(namespaced.namespace()).isEqualTo("prod");
        assertThat(namespaced.labels()).isEqualTo(Map.of("app", "frontend"));
    }

    @Test
    void malformedSidecarIdsAreRejectedWithTheExpectedShape() {
        Struct none = Struct.getDefaultInstance();
        assertInvalid(node("", none), "node.id is empty");
        assertInvalid(node("sidecar~10.1.2.3~reviews.default", none), "has 3 '~'-separated parts (expected 4");
        assertInvalid(node("sidecar~~reviews.default~default.svc.cluster.local", none), "empty address");
        assertInvalid(node("sidecar~10.1.2.3~reviews~default.svc.cluster.local", none),
                "'reviews' is not <workload>.<namespace>");
        assertInvalid(node("sidecar~10.1.2.3~reviews.~default.svc.cluster.local", none),
                "is not <workload>.<namespace>");
        assertInvalid(node("sidecar~10.1.2.3~reviews.default~other.svc.cluster.local", none),
                "domain 'other.svc.cluster.local' does not belong to namespace 'default'");
    }

    @Test
    void metadataThatContradictsTheIdIsRejected() {
        String id = "sidecar~10.1.2.3~reviews.default~default.svc.cluster.local";
        assertInvalid(node(id, Struct.newBuilder().putFields("NAMESPACE", string("prod")).build()),
                "node metadata NAMESPACE is 'prod'");
        assertInvalid(node(id, Struct.newBuilder().putFields("WORKLOAD_NAME", string("ratings")).build()),
                "node metadata WORKLOAD_NAME is 'ratings'");
    }

    @Test
    void metadataOfTheWrongTypeIsRejected() {
        String id = "sidecar~10.1.2.3~reviews.default~default.svc.cluster.local";
        assertInvalid(node(id, Struct.newBuilder()
                        .putFields("NAMESPACE", Value.newBuilder().setNumberValue(3).build()).build()),
                "metadata NAMESPACE is a number (expected a string)");
        assertInvalid(node(id, Struct.newBuilder().putFields("LABELS", string("app=reviews")).build()),
                "metadata LABELS is a string (expected a struct of strings)");
        assertInvalid(node(id, Struct.newBuilder().putFields("LABELS", Value.newBuilder().setStructValue(
                        Struct.newBuilder().putFields("version", Value.newBuilder().setBoolValue(true).build()))
                        .build()).build()),
                "metadata LABELS.version is a bool (expected a string)");
    }
}
