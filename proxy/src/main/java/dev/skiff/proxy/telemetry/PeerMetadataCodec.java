package dev.skiff.proxy.telemetry;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Istio's HTTP peer metadata exchange format: the {@code x-envoy-peer-metadata} header holds the base64 of a
 * serialized {@code google.protobuf.Struct} with the node metadata fields {@code NAME}, {@code NAMESPACE},
 * {@code WORKLOAD_NAME}, {@code LABELS} (a struct of strings) and {@code CLUSTER_ID}; the
 * {@code x-envoy-peer-metadata-id} header holds the sender's node id.
 */
public final class PeerMetadataCodec {

    /** The header carrying the encoded metadata. */
    public static final String HEADER = "x-envoy-peer-metadata";
    /** The header carrying the sender's node id. */
    public static final String ID_HEADER = "x-envoy-peer-metadata-id";

    private PeerMetadataCodec() {
    }

    /** The header value for {@code metadata}: base64 (with padding) of the serialized struct. */
    public static String encode(WorkloadMetadata metadata) {
        return encode(struct(metadata));
    }

    /** The header value for node metadata already in its struct form (as the TCP metadata exchange carries it). */
    public static String encode(Struct metadata) {
        return Base64.getEncoder().encodeToString(metadata.toByteArray());
    }

    /** The node metadata fields Istio's metrics read, as the struct both exchanges carry. */
    public static Struct struct(WorkloadMetadata metadata) {
        Struct.Builder labels = Struct.newBuilder();
        new TreeMap<>(metadata.labels()).forEach((k, v) -> labels.putFields(k, string(v)));
        return Struct.newBuilder()
                .putFields("CLUSTER_ID", string(metadata.clusterId()))
                .putFields("LABELS", Value.newBuilder().setStructValue(labels).build())
                .putFields("NAME", string(metadata.name()))
                .putFields("NAMESPACE", string(metadata.namespace()))
                .putFields("WORKLOAD_NAME", string(metadata.workloadName()))
                .build();
    }

    /**
     * Reads a header value written by {@link #encode} or by an Istio sidecar (padded or not). Fields that are
     * missing read as {@code unknown} (the cluster id as {@code Kubernetes}); labels that are not strings are
     * skipped.
     *
     * @throws IllegalArgumentException when the value is not base64 of a serialized protobuf Struct
     */
    public static WorkloadMetadata decode(String header) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(header.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(HEADER + ": not base64 (" + e.getMessage()
                    + "; expected: base64 of a serialized google.protobuf.Struct)", e);
        }
        Struct struct;
        try {
            struct = Struct.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(HEADER + ": " + bytes.length + " bytes that are not a serialized"
                    + " google.protobuf.Struct (" + e.getMessage() + ")", e);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        Value labelValue = struct.getFieldsOrDefault("LABELS", Value.getDefaultInstance());
        if (labelValue.hasStructValue()) {
            labelValue.getStructValue().getFieldsMap().forEach((k, v) -> {
                if (v.hasStringValue()) {
                    labels.put(k, v.getStringValue());
                }
            });
        }
        String workloadName = text(struct, "WORKLOAD_NAME", WorkloadMetadata.UNKNOWN);
        return new WorkloadMetadata(text(struct, "NAME", workloadName), text(struct, "NAMESPACE",
                WorkloadMetadata.UNKNOWN), workloadName, labels,
                text(struct, "CLUSTER_ID", WorkloadMetadata.DEFAULT_CLUSTER_ID));
    }

    private static String text(Struct struct, String field, String fallback) {
        Value value = struct.getFieldsOrDefault(field, Value.getDefaultInstance());
        return value.hasStringValue() && !value.getStringValue().isEmpty() ? value.getStringValue() : fallback;
    }

    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
