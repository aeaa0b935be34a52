package dev.skiff.controlplane.xds.server;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.skiff.controlplane.xds.ProxyView;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds the {@link ProxyView} of an xDS client from the {@link Node} of its first request.
 *
 * <p>A sidecar's node id is {@code sidecar~<address>~<workload>.<namespace>~<namespace>.svc.cluster.local}, with
 * node metadata {@code NAMESPACE}, {@code WORKLOAD_NAME} and {@code LABELS} (a struct of strings). Any other node
 * id belongs to a proxyless gRPC client, whose namespace is the metadata {@code NAMESPACE} or {@code "default"}.
 */
public final class ProxyViews {
    static final String SIDECAR_PREFIX = "sidecar~";
    static final String DEFAULT_NAMESPACE = "default";
    static final String META_NAMESPACE = "NAMESPACE";
    static final String META_WORKLOAD_NAME = "WORKLOAD_NAME";
    static final String META_LABELS = "LABELS";

    private static final String SIDECAR_ID_FORMAT = "sidecar~<address>~<workload>.<namespace>~<namespace>.svc.cluster.local";

    private ProxyViews() {
    }

    /**
     * @throws StatusRuntimeException with {@link Status.Code#INVALID_ARGUMENT} when the node id is empty, a sidecar
     *                                id is malformed, or the metadata contradicts the id or has the wrong types
     */
    public static ProxyView fromNode(Node node) {
        String id = node.getId();
        if (id.isEmpty()) {
            throw invalid("node.id is empty (expected " + SIDECAR_ID_FORMAT
                    + " for a sidecar, or any non-empty id for a proxyless client)");
        }
        Map<String, Value> metadata = node.getMetadata().getFieldsMap();
        if (id.startsWith(SIDECAR_PREFIX)) {
            return sidecar(id, metadata);
        }
        String namespace = stringField(id, metadata, META_NAMESPACE);
        return new ProxyView(id, ProxyView.Kind.PROXYLESS, null,
                namespace == null ? DEFAULT_NAMESPACE : namespace, labels(id, metadata));
    }

    private static ProxyView sidecar(String id, Map<String, Value> metadata) {
        String[] parts = id.split("~", -1);
        if (parts.length != 4) {
            throw invalid("node.id '" + id + "' has " + parts.length + " '~'-separated parts (expected 4: "
                    + SIDECAR_ID_FORMAT + ")");
        }
        String address = parts[1];
        if (address.isEmpty()) {
            throw invalid("node.id '" + id + "' has an empty address (expected " + SIDECAR_ID_FORMAT + ")");
        }
        String workloadAndNamespace = parts[2];
        int dot = workloadAndNamespace.lastIndexOf('.');
        if (dot <= 0 || dot == workloadAndNamespace.length() - 1) {
            throw invalid("node.id '" + id + "': '" + workloadAndNamespace
                    + "' is not <workload>.<namespace> (expected " + SIDECAR_ID_FORMAT + ")");
        }
        String workload = workloadAndNamespace.substring(0, dot);
        String namespace = workloadAndNamespace.substring(dot + 1);
        String domain = parts[3];
        String domainPrefix = namespace + ".svc.";
        if (!domain.startsWith(domainPrefix) || domain.length() == domainPrefix.length()) {
            throw invalid("node.id '" + id + "': domain '" + domain + "' does not belong to namespace '" + namespace
                    + "' (expected " + namespace + ".svc.cluster.local)");
        }
        requireConsistent(id, metadata, META_NAMESPACE, namespace);
        requireConsistent(id, metadata, META_WORKLOAD_NAME, workload);
        return new ProxyView(id, ProxyView.Kind.SIDECAR, workload, namespace, labels(id, metadata));
    }

    private static void requireConsistent(String id, Map<String, Value> metadata, String field, String fromId) {
        String fromMetadata = stringField(id, metadata, field);
        if (fromMetadata != null && !fromMetadata.equals(fromId)) {
            throw invalid("node.id '" + id + "' names '" + fromId + "' but node metadata " + field + " is '"
                    + fromMetadata + "' (expected both to agree)");
        }
    }

    private static String stringField(String id, Map<String, Value> metadata, String field) {
        Value value = metadata.get(field);
        if (value == null) {
            return null;
        }
        if (value.getKindCase() != Value.KindCase.STRING_VALUE) {
            throw invalid("node '" + id + "': metadata " + field + " is a " + describe(value)
                    + " (expected a string)");
        }
        return value.getStringValue();
    }

    private static Map<String, String> labels(String id, Map<String, Value> metadata) {
        Value value = metadata.get(META_LABELS);
        if (value == null) {
            return Map.of();
        }
        if (value.getKindCase() != Value.KindCase.STRUCT_VALUE) {
            throw invalid("node '" + id + "': metadata " + META_LABELS + " is a " + describe(value)
                    + " (expected a struct of strings)");
        }
        Struct struct = value.getStructValue();
        Map<String, String> labels = new HashMap<>(struct.getFieldsCount());
        for (Map.Entry<String, Value> label : struct.getFieldsMap().entrySet()) {
            Value labelValue = label.getValue();
            if (labelValue.getKindCase() != Value.KindCase.STRING_VALUE) {
                throw invalid("node '" + id + "': metadata " + META_LABELS + "." + label.getKey() + " is a "
                        + describe(labelValue) + " (expected a string)");
            }
            labels.put(label.getKey(), labelValue.getStringValue());
        }
        return labels;
    }

    private static String describe(Value value) {
        return switch (value.getKindCase()) {
            case NULL_VALUE -> "null";
            case NUMBER_VALUE -> "number";
            case STRING_VALUE -> "string";
            case BOOL_VALUE -> "bool";
            case STRUCT_VALUE -> "struct";
            case LIST_VALUE -> "list";
            case KIND_NOT_SET -> "value without a kind";
        };
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
