package dev.skiff.proxy.telemetry;

import java.util.Map;
import java.util.Objects;

/**
 * Who a workload is, as Istio's sidecars tell each other in the peer metadata exchange: the fields of the node
 * metadata that Istio's standard metrics read.
 *
 * @param name         the instance name (Istio: the pod name; Skiff: the WorkloadEntry name)
 * @param namespace    the workload's namespace
 * @param workloadName the workload (Istio: the deployment; Skiff: the WorkloadEntry name)
 * @param labels       the workload's labels
 * @param clusterId    the cluster the workload runs in ({@code Kubernetes} when not configured, as in Istio)
 */
public record WorkloadMetadata(String name, String namespace, String workloadName, Map<String, String> labels,
                               String clusterId) {

    /** Istio's default cluster id. */
    public static final String DEFAULT_CLUSTER_ID = "Kubernetes";
    /** What a label says when the value is not known. */
    public static final String UNKNOWN = "unknown";

    private static final String CANONICAL_NAME = "service.istio.io/canonical-name";
    private static final String CANONICAL_REVISION = "service.istio.io/canonical-revision";
    private static final String K8S_NAME = "app.kubernetes.io/name";
    private static final String K8S_VERSION = "app.kubernetes.io/version";

    public WorkloadMetadata {
        Objects.requireNonNull(name, "name: null (expected: the instance name)");
        Objects.requireNonNull(namespace, "namespace: null (expected: the workload's namespace)");
        Objects.requireNonNull(workloadName, "workloadName: null (expected: the workload's name)");
        Objects.requireNonNull(clusterId, "clusterId: null (expected: a cluster id, e.g. Kubernetes)");
        labels = Map.copyOf(labels);
    }

    /** The label {@code app}, or {@code unknown}. */
    public String app() {
        return orUnknown(labels.get("app"));
    }

    /** The label {@code version}, or {@code unknown}. */
    public String version() {
        return orUnknown(labels.get("version"));
    }

    /**
     * Istio's canonical service: the label {@code service.istio.io/canonical-name}, else {@code app.kubernetes.io/name},
     * else {@code app}, else the workload name.
     */
    public String canonicalService() {
        return first(labels.get(CANONICAL_NAME), labels.get(K8S_NAME), labels.get("app"), workloadName);
    }

    /**
     * Istio's canonical revision: the label {@code service.istio.io/canonical-revision}, else
     * {@code app.kubernetes.io/version}, else {@code version}, else {@code latest}.
     */
    public String canonicalRevision() {
        return first(labels.get(CANONICAL_REVISION), labels.get(K8S_VERSION), labels.get("version"), "latest");
    }

    private static String first(String a, String b, String c, String fallback) {
        if (a != null && !a.isEmpty()) {
            return a;
        }
        if (b != null && !b.isEmpty()) {
            return b;
        }
        if (c != null && !c.isEmpty()) {
            return c;
        }
        return fallback.isEmpty() ? UNKNOWN : fallback;
    }

    private static String orUnknown(String value) {
        return value == null || value.isEmpty() ? UNKNOWN : value;
    }
}
