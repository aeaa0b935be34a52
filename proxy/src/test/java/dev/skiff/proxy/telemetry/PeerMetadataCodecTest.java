package dev.skiff.proxy.telemetry;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeerMetadataCodecTest {

    @Test
    void roundTripsTheFieldsIstioMetricsRead() {
        WorkloadMetadata reviews = new WorkloadMetadata("reviews-v2-abc", "bookinfo", "reviews-v2",
                Map.of("app", "reviews", "version", "v2"), "east");
        WorkloadMetadata decoded = PeerMetadataCodec.decode(PeerMetadataCodec.encode(reviews));
        assertThat(decoded).isEqualTo(reviews);
        assertThat(decoded.canonicalService()).isEqualTo("reviews");
        assertThat(decoded.canonicalRevision()).isEqualTo("v2");
    }

    @Test
    void theHeaderIsBase64OfASerializedStructWithIstiosNodeMetadataKeys() throws Exception {
        String header = PeerMetadataCodec.encode(new WorkloadMetadata("ratings-v1", "default", "ratings-v1",
                Map.of("app", "ratings"), "Kubernetes"));
        Struct struct = Struct.parseFrom(Base64.getDecoder().decode(header));
        assertThat(struct.getFieldsMap()).containsOnlyKeys("NAME", "NAMESPACE", "WORKLOAD_NAME", "LABELS",
                "CLUSTER_ID");
        assertThat(struct.getFieldsOrThrow("WORKLOAD_NAME").getStringValue()).isEqualTo("ratings-v1");
        assertThat(struct.getFieldsOrThrow("LABELS").getStructValue().getFieldsOrThrow("app").getStringValue())
                .isEqualTo("ratings");
    }

    @Test
    void readsAnIstioSidecarsHeaderWithoutPaddingAndExtraFields() {
        Struct istio = Struct.newBuilder()
                .putFields("NAME", string("details-v1-5f4d584748-x2x9k"))
                .putFields("NAMESPACE", string("bookinfo"))
                .putFields("WORKLOAD_NAME", string("details-v1"))
                .putFields("OWNER", string("kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/details-v1"))
                .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                        .putFields("app", string("details"))
                        .putFields("service.istio.io/canonical-name", string("details-svc"))
                        .putFields("service.istio.io/canonical-revision", string("1.0"))).build())
                .build();
        String unpadded = Base64.getEncoder().withoutPadding().encodeToString(istio.toByteArray());
        WorkloadMetadata decoded = PeerMetadataCodec.decode(unpadded);
        assertThat(decoded.workloadName()).isEqualTo("details-v1");
        assertThat(decoded.namespace()).isEqualTo("bookinfo");
        assertThat(decoded.app()).isEqualTo("details");
        assertThat(decoded.version()).isEqualTo("unknown");
        assertThat(decoded.canonicalService()).isEqualTo("details-svc");
        assertThat(decoded.canonicalRevision()).isEqualTo("1.0");
        assertThat(decoded.clusterId()).isEqualTo("Kubernetes");
    }

    @Test
    void canonicalNamesFallBackAsIstiosDo() {
        WorkloadMetadata bare = new WorkloadMetadata("job-1", "ns", "job", Map.of(), "Kubernetes");
        assertThat(bare.canonicalService()).isEqualTo("job");
        assertThat(bare.canonicalRevision()).isEqualTo("latest");
        assertThat(bare.app()).isEqualTo("unknown");
        WorkloadMetadata k8s = new WorkloadMetadata("w", "ns", "w",
                Map.of("app.kubernetes.io/name", "shop", "app.kubernetes.io/version", "3", "app", "x"), "c");
        assertThat(k8s.canonicalService()).isEqualTo("shop");
        assertThat(k8s.canonicalRevision()).isEqualTo("3");
    }

    @Test
    void rejectsWhatIsNotAnEncodedStruct() {
        assertThatThrownBy(() -> PeerMetadataCodec.decode("not base64!"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x-envoy-peer-metadata: not base64")
                .hasMessageContaining("expected: base64 of a serialized google.protobuf.Struct");
        assertThatThrownBy(() -> PeerMetadataCodec.decode(Base64.getEncoder().encodeToString(new byte[]{(byte) 0xff})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a serialized google.protobuf.Struct");
    }

    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
