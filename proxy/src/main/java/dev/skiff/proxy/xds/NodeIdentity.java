package dev.skiff.proxy.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Who this sidecar is, as the control plane sees it: {@code sidecar~<address>~<workload>.<namespace>~<namespace>
 * .svc.cluster.local} plus the metadata {@code NAMESPACE}, {@code WORKLOAD_NAME}, {@code LABELS} and, when the
 * address is known, {@code INSTANCE_IPS} (comma-separated, as Istio writes it).
 *
 * @param workload  the WorkloadEntry name
 * @param namespace its namespace
 * @param address   the workload's IP, when known before the first listeners arrive
 * @param labels    the workload's labels (may be empty)
 */
public record NodeIdentity(String workload, String namespace, Optional<String> address, Map<String, String> labels) {
    /** Stands in for the address in the node id until the workload's address is known. */
    public static final String UNKNOWN_ADDRESS = "0.0.0.0";

    public NodeIdentity {
        requireName(workload, "workload");
        requireName(namespace, "namespace");
        Objects.requireNonNull(address, "address");
        labels = Map.copyOf(labels);
    }

    /**
     * Parses {@code NAME.NAMESPACE}, the form the command line takes.
     *
     * @throws IllegalArgumentException when the value is not two non-empty parts separated by one dot
     */
    public static NodeIdentity parse(String workloadDotNamespace, Optional<String> address, Map<String, String> labels) {
        Objects.requireNonNull(workloadDotNamespace, "workload");
        int dot = workloadDotNamespace.indexOf('.');
        if (dot <= 0 || dot == workloadDotNamespace.length() - 1 || workloadDotNamespace.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException(
                    "workload: '" + workloadDotNamespace + "' (expected: NAME.NAMESPACE, e.g. reviews-v1.default)");
        }
        return new NodeIdentity(workloadDotNamespace.substring(0, dot), workloadDotNamespace.substring(dot + 1),
                address, labels);
    }

    public String nodeId() {
        return "sidecar~" + address.orElse(UNKNOWN_ADDRESS) + "~" + workload + "." + namespace + "~" + namespace
                + ".svc.cluster.local";
    }

    public Node toNode() {
        Struct.Builder labelStruct = Struct.newBuilder();
        new TreeMap<>(labels).forEach((k, v) -> labelStruct.putFields(k, stringValue(v)));
        Struct.Builder metadata = Struct.newBuilder()
                .putFields("NAMESPACE", stringValue(namespace))
                .putFields("WORKLOAD_NAME", stringValue(workload))
                .putFields("LABELS", Value.newBuilder().setStructValue(labelStruct).build());
        address.ifPresent(ip -> metadata.putFields("INSTANCE_IPS", stringValue(ip)));
        return Node.newBuilder()
                .setId(nodeId())
                .setCluster(workload + "." + namespace)
                .setMetadata(metadata)
                .build();
    }

    private static Value stringValue(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    private static void requireName(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isEmpty() || value.indexOf('~') >= 0 || value.indexOf('.') >= 0) {
            throw new IllegalArgumentException(what + ": '" + value + "' (expected: a non-empty name without '.' or '~')");
        }
    }
}
